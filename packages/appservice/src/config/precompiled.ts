/**
 * Config validators generated at build time. Compiling a section's schema with ajv costs 50–250 ms
 * of every start-up on a loaded 2-core machine (ajv's code generator runs cold), more than any
 * module the bridge loads; the generated code loads in about 15 ms. A schema declares where its
 * generated module is (`usePrecompiledValidator`); `build/precompile-validators.js` writes it
 * after `tsc`. The module records a hash of the schema it was generated from, and is used only
 * when that matches the schema in memory, so a stale or missing file (a test run from `src/`, a
 * package built with plain `tsc`) falls back to compiling at run time: slower, never different.
 */
import { createHash } from 'node:crypto';
import type { ValidateFunction } from 'ajv';
import type { SectionSchema } from './schema';

/** What a generated module exports: the validate function, with the hash of its schema on it. */
type GeneratedValidator = ValidateFunction & { schemaHash?: string };

const declared = new WeakMap<SectionSchema, string>();

/** Declares the module generated for `schema` (an absolute path; usually next to the schema's own module). */
export function usePrecompiledValidator(schema: SectionSchema, modulePath: string): void {
  declared.set(schema, modulePath);
}

/** The generated validator for `schema`, or undefined when none is declared, found, or current. */
export function precompiledValidator(schema: SectionSchema): ValidateFunction | undefined {
  const modulePath = declared.get(schema);
  if (modulePath === undefined) return undefined;
  let generated: GeneratedValidator;
  try {
    generated = require(modulePath) as GeneratedValidator;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
  return generated.schemaHash === schemaHash(schema) ? generated : undefined;
}

/** The hash a generated module records: of the schema as JSON (what ajv reads; TypeBox's symbol keys are not). */
export function schemaHash(schema: SectionSchema): string {
  return createHash('sha256').update(JSON.stringify(schema)).digest('hex');
}

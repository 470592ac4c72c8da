// Writing a generated config validator (see precompiled.ts): used by build/precompile-validators.js,
// never at run time, so ajv's standalone generator stays out of the bridge's start.
import standaloneCode from 'ajv/dist/standalone';
import { schemaHash } from './precompiled';
import { newConfigAjv, type SectionSchema } from './schema';

/**
 * The source of a generated module for `schema` (CommonJS; it requires ajv's small runtime
 * helpers). Compiled with the options `checkSection` uses, so it reports the same errors.
 */
export function precompiledValidatorSource(schema: SectionSchema): string {
  const ajv = newConfigAjv({ source: true });
  // The generated module exports the validate function itself; the hash rides on it.
  const code = standaloneCode(ajv, ajv.compile(schema));
  return `${code}\nmodule.exports.schemaHash = ${JSON.stringify(schemaHash(schema))};\n`;
}

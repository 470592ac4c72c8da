/**
 * TypeBox builders for what config sections keep needing, each with the static type TypeBox
 * cannot derive on its own and the annotations the core's messages read.
 */
import { Type, type SchemaOptions, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';

/** A password, token or key: a non-empty string never echoed in errors and redacted from logs. */
export function secretString(what: string, options: SchemaOptions = {}): TUnsafe<string> {
  return Type.Unsafe<string>({ type: 'string', minLength: 1, secret: true, expected: `the ${what} (a non-empty string)`, ...options });
}

/** One of a few strings; errors list them (`must be one of "a", "b"`). */
export function oneOf<const V extends readonly string[]>(values: V, options: SchemaOptions = {}): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ enum: [...values], ...options });
}

/**
 * A mapping from names the admin chooses (network names, user IDs, mode letters) to values of
 * one schema. Its keys are data: they are not camelCased. `keys` constrains them (a pattern and
 * how to describe a valid one).
 */
export function mapOf<V extends TSchema>(values: V, options: SchemaOptions & { keys?: SchemaOptions } = {}): TUnsafe<Record<string, Static<V>>> {
  const { keys, ...rest } = options;
  return Type.Unsafe<Record<string, Static<V>>>({
    type: 'object', additionalProperties: values, ...(keys ? { propertyNames: { type: 'string', ...keys } } : {}), ...rest,
  });
}

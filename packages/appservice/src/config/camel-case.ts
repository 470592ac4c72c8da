/**
 * The one conversion from the YAML's snake_case keys to the camelCase a connector reads, at
 * run time and in the type system alike, so `Static<typeof schema>` and the value handed to the
 * connector cannot disagree. Only keys the schema declares (`properties`) are converted: the
 * keys of a map (`additionalProperties`: network names, user IDs, mode letters) are data.
 */
import type { SectionSchema } from './schema';

/** `nick_template` → `nickTemplate` (type level). */
export type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

/** Every declared key of `T`, deeply, in camelCase; a `Record<string, V>`'s keys stay as they are. */
export type CamelCased<T> = T extends ReadonlyArray<infer Item>
  ? CamelCased<Item>[]
  : T extends object
    ? { [K in keyof T as K extends string ? CamelCase<K> : K]: CamelCased<T[K]> }
    : T;

/** `nick_template` → `nickTemplate` (run time, matching `CamelCase`). */
export function camelCaseKey(key: string): string {
  const [head, ...rest] = key.split('_');
  return head + rest.map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
}

/** Converts the keys `schema` declares, recursing through lists, maps and the chosen alternative. */
export function camelCaseBySchema(value: unknown, schema: SectionSchema | undefined): unknown {
  if (schema === undefined || typeof schema !== 'object') return value;
  if (Array.isArray(value)) {
    const items = schema.items as SectionSchema | undefined;
    return value.map((item) => camelCaseBySchema(item, items));
  }
  if (value === null || typeof value !== 'object') return value;
  const alternatives = (schema.anyOf ?? schema.oneOf) as SectionSchema[] | undefined;
  if (alternatives) return camelCaseBySchema(value, alternatives.find((alt) => alt.properties !== undefined || alt.additionalProperties !== undefined));
  const properties = (schema.properties ?? {}) as Record<string, SectionSchema>;
  const mapValues = typeof schema.additionalProperties === 'object' ? (schema.additionalProperties as SectionSchema) : undefined;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (Object.hasOwn(properties, key)) out[camelCaseKey(key)] = camelCaseBySchema(child, properties[key]);
    else out[key] = camelCaseBySchema(child, mapValues);
  }
  return out;
}

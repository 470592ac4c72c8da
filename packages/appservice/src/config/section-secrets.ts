/**
 * Finds the secret values of a validated section, so the logger can redact them wherever they
 * appear. Two ways to name a secret, both honoured: `secret: true` on the schema node (which also
 * keeps the value out of error messages) and a path in the section's `secrets` list.
 */
import type { SectionSchema } from './schema';

/**
 * Values at `secret: true` schema nodes and at `paths` (YAML keys, snake_case, `.`-separated; `*`
 * matches any map key or list index: `networks.*.password`).
 */
export function collectSecrets(value: unknown, schema: SectionSchema, paths: readonly string[]): string[] {
  const found = new Set<string>();
  walkSchema(value, schema, found);
  for (const path of paths) walkPath(value, path.split('.'), found);
  return [...found];
}

function walkSchema(value: unknown, schema: SectionSchema | undefined, found: Set<string>): void {
  if (schema === undefined || typeof schema !== 'object' || value === undefined || value === null) return;
  if (schema.secret === true) {
    addLeaves(value, found);
    return;
  }
  for (const alt of (schema.anyOf ?? schema.oneOf ?? []) as SectionSchema[]) walkSchema(value, alt, found);
  if (Array.isArray(value)) {
    for (const item of value) walkSchema(item, schema.items as SectionSchema | undefined, found);
    return;
  }
  if (typeof value !== 'object') return;
  const properties = (schema.properties ?? {}) as Record<string, SectionSchema>;
  const mapValues = typeof schema.additionalProperties === 'object' ? (schema.additionalProperties as SectionSchema) : undefined;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    walkSchema(child, Object.hasOwn(properties, key) ? properties[key] : mapValues, found);
  }
}

function walkPath(value: unknown, segments: readonly string[], found: Set<string>): void {
  if (value === undefined || value === null) return;
  if (segments.length === 0) {
    addLeaves(value, found);
    return;
  }
  if (typeof value !== 'object') return;
  const [segment, ...rest] = segments;
  const children = segment === '*' ? Object.values(value as Record<string, unknown>) : [(value as Record<string, unknown>)[segment!]];
  for (const child of children) walkPath(child, rest, found);
}

/** A secret may be a string, a number (a numeric PIN) or a structure of them. */
function addLeaves(value: unknown, found: Set<string>): void {
  if (typeof value === 'string' || typeof value === 'number') found.add(String(value));
  else if (value !== null && typeof value === 'object') for (const child of Object.values(value)) addLeaves(child, found);
}

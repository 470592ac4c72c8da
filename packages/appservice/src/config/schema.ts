import type Ajv from 'ajv';
import type { ErrorObject, SchemaObject, ValidateFunction } from 'ajv';
import { ConfigError, type ConfigProblem } from '../errors/bridge-error';
import { precompiledValidator } from './precompiled';
import { closestName } from './sections';

/**
 * A JSON schema for one section of the YAML file. Besides the standard keywords, three
 * annotations shape the error messages:
 * - `expected`: how to describe a valid value ("a URL like http://127.0.0.1:8008"),
 * - `hint`: what to do about a bad one ("set it to your homeserver's server_name"),
 * - `secret: true`: never echo the bad value back (tokens, passwords); in a section declared with
 *   `defineConfigSection`, the value is also redacted from every log line.
 * `default` values are filled into the returned copy.
 */
export type SectionSchema = SchemaObject;

/**
 * An ajv instance with the options every config validator is compiled with (also the generated
 * ones, see precompiled.ts). ajv is required here, on first use, so a start whose validators were
 * generated at build time never loads it.
 * validateSchema off: checking our own schemas against the JSON-Schema meta-schema cost ~50 ms of
 * every start-up (bench/: startup); strict mode still refuses unknown keywords, and the unit
 * tests compile and exercise every schema.
 */
export function newConfigAjv(code: { source?: boolean } = {}): Ajv {
  const { default: AjvClass } = require('ajv') as typeof import('ajv');
  const ajv = new AjvClass({ allErrors: true, useDefaults: true, verbose: true, strict: true, allowUnionTypes: true, validateSchema: false, code });
  ajv.addVocabulary(['expected', 'hint', 'secret']);
  return ajv;
}

// One validator per schema for the process: a schema declared as a module constant is compiled
// (or its generated module loaded) once however often it is validated.
const validators = new WeakMap<SectionSchema, ValidateFunction>();
let runtimeAjv: Ajv | undefined;

function validatorFor(schema: SectionSchema): ValidateFunction {
  let validate = validators.get(schema);
  if (validate === undefined) {
    validate = precompiledValidator(schema) ?? (runtimeAjv ??= newConfigAjv()).compile(schema);
    validators.set(schema, validate);
  }
  return validate;
}

/**
 * Validates `value` (one section of a config file) against `schema` and returns a copy with
 * defaults filled in. Throws a `ConfigError` naming every bad key as `keyPath.sub.key[0]`.
 * Connectors use this for their own sections: `validateSection<IrcConfig>(schema, cfg.sections.irc, 'irc')`.
 */
export function validateSection<T>(schema: SectionSchema, value: unknown, keyPath: string, source = 'config'): T {
  const { value: checked, problems } = checkSection(schema, value, keyPath);
  if (problems.length > 0) throw new ConfigError(source, problems);
  return checked as T;
}

/** Like `validateSection`, but returns the problems so a caller can add its own checks to the list. */
export function checkSection(schema: SectionSchema, value: unknown, keyPath: string): { value: unknown; problems: ConfigProblem[] } {
  const copy: unknown = value === undefined ? undefined : structuredClone(value);
  const validate = validatorFor(schema);
  if (validate(copy)) return { value: copy, problems: [] };
  return { value: copy, problems: toProblems(validate.errors ?? [], copy, keyPath) };
}

function toProblems(errors: ErrorObject[], root: unknown, keyPath: string): ConfigProblem[] {
  // Inside a failed anyOf/oneOf every branch reports its own mismatch; the alternative as a
  // whole ("a number or a size string") reads better than each branch's complaint.
  const alternatives = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => e.schemaPath);
  const relevant = errors.filter((e) => !alternatives.some((alt) => e.schemaPath.startsWith(`${alt}/`)));
  const seen = new Set<string>();
  const problems: ConfigProblem[] = [];
  for (const err of relevant) {
    const problem = describeError(err, root, keyPath);
    if (seen.has(problem.path)) continue; // one message per key: the first names the expected value
    seen.add(problem.path);
    problems.push(problem);
  }
  return problems;
}

function describeError(err: ErrorObject, root: unknown, keyPath: string): ConfigProblem {
  const path = renderPath(keyPath, err.instancePath, root);
  const parent = (err.parentSchema ?? {}) as SchemaObject;
  if (err.keyword === 'required') {
    const key = String((err.params as { missingProperty: string }).missingProperty);
    const child = (parent.properties?.[key] ?? {}) as SchemaObject;
    return { path: joinKey(path, key), message: withHint(`is required: set it to ${describeExpected(child)}`, child) };
  }
  if (err.keyword === 'additionalProperties') {
    const key = String((err.params as { additionalProperty: string }).additionalProperty);
    const known = Object.keys(parent.properties ?? {});
    const list = known.length > 0 ? ` (known keys: ${known.join(', ')})` : '';
    const meant = closestName(key, known);
    const what = meant !== undefined ? `did you mean ${meant}? Otherwise remove it` : 'remove it or fix its spelling';
    return { path: joinKey(path, key), message: `is not a known key; ${what}${list}` };
  }
  const got = err.data === undefined ? '' : ` (got ${describeValue(err.data, parent.secret === true)})`;
  return { path: path || '(top level)', message: withHint(`must be ${describeExpected(parent)}${got}`, parent) };
}

function withHint(message: string, schema: SchemaObject): string {
  return typeof schema.hint === 'string' ? `${message}; ${schema.hint}` : message;
}

/** "an integer between 1 and 65535", "one of \"text\", \"json\"", ... from the schema itself. */
export function describeExpected(schema: SchemaObject): string {
  if (typeof schema.expected === 'string') return schema.expected;
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((v: unknown) => JSON.stringify(v)).join(', ')}`;
  const alternatives = (schema.anyOf ?? schema.oneOf) as SchemaObject[] | undefined;
  if (alternatives) return alternatives.map(describeExpected).join(' or ');
  const types: unknown[] = Array.isArray(schema.type) ? schema.type : [schema.type];
  return types.map((t) => describeType(t, schema)).join(' or ');
}

function describeType(type: unknown, s: SchemaObject): string {
  switch (type) {
    case 'integer':
    case 'number': {
      const noun = type === 'integer' ? 'an integer' : 'a number';
      const min = s.minimum ?? s.exclusiveMinimum;
      const max = s.maximum ?? s.exclusiveMaximum;
      if (min !== undefined && max !== undefined) return `${noun} between ${min} and ${max}`;
      if (min !== undefined) return `${noun} ${s.exclusiveMinimum !== undefined ? '>' : '>='} ${min}`;
      if (max !== undefined) return `${noun} ${s.exclusiveMaximum !== undefined ? '<' : '<='} ${max}`;
      return noun;
    }
    case 'string':
      if (s.pattern) return `a string matching /${s.pattern}/`;
      return s.minLength ? 'a non-empty string' : 'a string';
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'null';
    case 'array': {
      const items = s.items && typeof s.items === 'object' ? ` of ${describeExpected(s.items as SchemaObject)}` : '';
      return s.minItems ? `a non-empty list${items}` : `a list${items}`;
    }
    case 'object':
      return 'a mapping of keys to values';
    default:
      return 'a valid value';
  }
}

function describeValue(value: unknown, secret: boolean): string {
  // A secret's value is never echoed, whatever its type: a numeric password is still a password.
  if (secret) return value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return Array.isArray(value) ? 'a list' : 'a mapping';
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function joinKey(path: string, key: string): string {
  if (!PLAIN_KEY.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path ? `${path}.${key}` : key;
}

/** `/servers/0/port` → `irc.servers[0].port`; walks the data so a numeric map key stays a key. */
function renderPath(prefix: string, pointer: string, root: unknown): string {
  let path = prefix;
  let node: unknown = root;
  if (!pointer) return path;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      path = `${path}[${segment}]`;
      node = node[Number(segment)];
    } else {
      path = joinKey(path, segment);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
    }
  }
  return path;
}

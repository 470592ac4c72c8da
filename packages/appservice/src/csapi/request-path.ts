/**
 * The path and query of a client-server request, built per request (every bridged line is one):
 * the endpoint template is split once and kept, and the query is encoded directly, byte for byte
 * as URLSearchParams would (application/x-www-form-urlencoded), without building one. Together
 * with a regex replace per template, that object was a visible share of a line's CPU.
 */

/** Literal text at even indexes, placeholder names at odd ones. */
type Template = readonly string[];

const PLACEHOLDER = /\{(\w+)\}/g;
/** Templates are the code's own constants; the bound only guards against a caller building them. */
const MAX_TEMPLATES = 512;
const templates = new Map<string, Template>();

function templateOf(endpoint: string): Template {
  let template = templates.get(endpoint);
  if (template) return template;
  template = endpoint.split(PLACEHOLDER);
  if (templates.size < MAX_TEMPLATES) templates.set(endpoint, template);
  return template;
}

/** What encodeURIComponent leaves alone but the form encoding escapes; and the space, which becomes `+`. */
const FORM_EXTRA = /[!'()~]|%20/g;
const formEscape = (s: string): string => (s === '%20' ? '+' : `%${s.charCodeAt(0).toString(16).toUpperCase()}`);

/** One query key or value, encoded exactly as URLSearchParams serialises it. */
export function formEncode(value: string): string {
  let encoded: string;
  try {
    encoded = encodeURIComponent(value);
  } catch {
    // A lone surrogate: URLSearchParams takes it as U+FFFD, encodeURIComponent refuses it.
    return new URLSearchParams([['', value]]).toString().slice(1);
  }
  return encoded.replace(FORM_EXTRA, formEscape);
}

export interface PathSpec {
  endpoint: string;
  params?: Record<string, string>;
  query?: Record<string, string | string[] | number | boolean | undefined>;
  asUser?: string;
}

/**
 * `basePath` + the endpoint with each `{name}` replaced by its URL-encoded value, then the query
 * (undefined values left out, arrays repeated) with `user_id` set to `asUser`: in place of the
 * query's first `user_id`, or last (URLSearchParams.set's order). Throws a TypeError for a
 * placeholder without a value.
 */
export function requestPath(basePath: string, spec: PathSpec): string {
  const template = templateOf(spec.endpoint);
  let path = basePath + template[0]!;
  for (let i = 1; i < template.length; i += 2) {
    const value = spec.params?.[template[i]!];
    if (value === undefined) throw new TypeError(`No value for {${template[i]}} in ${spec.endpoint}`);
    path += encodeURIComponent(value) + template[i + 1]!;
  }
  const { query, asUser } = spec;
  const user = asUser ? `user_id=${formEncode(asUser)}` : undefined;
  let qs = '';
  let userPlaced = false;
  if (query) {
    for (const key in query) {
      if (!Object.prototype.hasOwnProperty.call(query, key)) continue;
      const value = query[key];
      if (value === undefined) continue;
      const values = Array.isArray(value) ? value : [value];
      if (user !== undefined && key === 'user_id') {
        if (values.length > 0 && !userPlaced) {
          qs += `${qs ? '&' : ''}${user}`;
          userPlaced = true;
        }
        continue;
      }
      const name = formEncode(key);
      for (const v of values) qs += `${qs ? '&' : ''}${name}=${formEncode(String(v))}`;
    }
  }
  if (user !== undefined && !userPlaced) qs += `${qs ? '&' : ''}${user}`;
  return qs ? `${path}?${qs}` : path;
}

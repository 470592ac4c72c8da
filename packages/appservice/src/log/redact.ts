/** What a secret is replaced by, everywhere. */
export const REDACTED = '<redacted>';

// Keys whose value is a credential whatever it looks like: as_token, hsToken, access_token,
// password, authorization, token, ... (compared without case, '_' or '-').
const SECRET_KEYS = new Set(['astoken', 'hstoken', 'accesstoken', 'password', 'passwd', 'authorization', 'token', 'secret', 'saslpassword']);
export const isSecretKey = (key: string): boolean => {
  const k = key.toLowerCase().replace(/[_-]/g, '');
  return SECRET_KEYS.has(k) || k.endsWith('token') || k.endsWith('password') || k.endsWith('secret');
};

// Credentials that show up inside text: URLs (?access_token=...), headers (Bearer ...) and
// JSON bodies ("password":"...").
const TEXT_PATTERNS: Array<[RegExp, string]> = [
  [/\b((?:access|as|hs)_token|password)=[^&\s"'<>]+/gi, `$1=${REDACTED}`],
  [/\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  [/("(?:(?:access|as|hs)_token|password)"\s*:\s*")(?:[^"\\]|\\.)*"/gi, `$1${REDACTED}"`],
];

/** Replaces every known secret and every credential-shaped substring in `text`. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  for (const [pattern, replacement] of TEXT_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** Longest first, so a secret containing another is replaced whole; empty strings are ignored. */
export function prepareSecrets(secrets: Iterable<string>): string[] {
  return [...new Set([...secrets].filter((s) => typeof s === 'string' && s.length > 0))].sort((a, b) => b.length - a.length);
}

const MAX_DEPTH = 8;

/**
 * A redacted deep copy of a log value: secrets replaced in every string, values under
 * secret-named keys replaced whole, errors flattened to name/message/stack (which `JSON`
 * would otherwise print as `{}`). The input is never modified.
 */
export function redactValue(value: unknown, secrets: readonly string[], depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (value === null || typeof value !== 'object') {
    return typeof value === 'bigint' || typeof value === 'symbol' || typeof value === 'function' ? String(value) : value;
  }
  if (seen.has(value)) return '<circular>';
  if (depth >= MAX_DEPTH) return '<too deep>';
  seen.add(value);
  try {
    if (value instanceof Date) return value.toISOString();
    if (ArrayBuffer.isView(value)) return `<${value.byteLength} bytes>`;
    if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets, depth + 1, seen));
    const out: Record<string, unknown> = {};
    if (value instanceof Error) {
      out.name = value.name;
      out.message = redactText(value.message, secrets);
      if (value.stack) out.stack = redactText(value.stack, secrets);
      if (value.cause !== undefined) out.cause = redactValue(value.cause, secrets, depth + 1, seen);
    }
    for (const [key, v] of Object.entries(value)) {
      out[key] = isSecretKey(key) ? REDACTED : redactValue(v, secrets, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(value); // the same object twice side by side is not a cycle
  }
}

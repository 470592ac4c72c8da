/** One JSON-over-HTTP call to the homeserver, with the Matrix error shape turned into a typed error. */
import { createHmac } from 'node:crypto';

export class MatrixApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    /** The Matrix `errcode`, e.g. M_EXCLUSIVE; undefined when the body was not a Matrix error. */
    readonly errcode: string | undefined,
    readonly body: unknown,
  ) {
    const error = (body as { error?: unknown } | null)?.error;
    super(`${method} ${path} failed with HTTP ${status}${errcode ? ` ${errcode}` : ''}${typeof error === 'string' ? `: ${error}` : ''}`);
    this.name = 'MatrixApiError';
  }
}

export interface MatrixRequestOptions {
  /** Sent as a Bearer header, never in the URL (URLs end up in error messages and logs). */
  accessToken?: string;
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  /** A raw body (media upload); exclusive with `json`. */
  body?: Uint8Array;
  contentType?: string;
  timeoutMs?: number;
}

function pathWithQuery(path: string, query: MatrixRequestOptions['query']): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) params.set(key, String(value));
  }
  const encoded = params.toString();
  return encoded ? `${path}?${encoded}` : path;
}

async function send(baseUrl: string, method: string, path: string, options: MatrixRequestOptions): Promise<Response> {
  const headers: Record<string, string> = {};
  if (options.accessToken) headers.Authorization = `Bearer ${options.accessToken}`;
  let body: string | Uint8Array | undefined;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.body !== undefined) {
    headers['Content-Type'] = options.contentType ?? 'application/octet-stream';
    body = options.body;
  }
  return fetch(`${baseUrl}${pathWithQuery(path, options.query)}`, {
    method,
    headers,
    body,
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
}

/** A request whose successful reply is JSON. Non-2xx replies throw MatrixApiError. */
export async function matrixRequest<T>(baseUrl: string, method: string, path: string, options: MatrixRequestOptions = {}): Promise<T> {
  const response = await send(baseUrl, method, path, options);
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? {} : JSON.parse(text);
  } catch {
    // keep the raw text: it goes into the error below or is the caller's problem
  }
  if (!response.ok) {
    const errcode = (parsed as { errcode?: unknown } | null)?.errcode;
    throw new MatrixApiError(method, path, response.status, typeof errcode === 'string' ? errcode : undefined, parsed);
  }
  return parsed as T;
}

/** A request whose successful reply is binary (media download). */
export async function matrixRequestBytes(baseUrl: string, method: string, path: string, options: MatrixRequestOptions = {}): Promise<{ bytes: Buffer; contentType: string | null }> {
  const response = await send(baseUrl, method, path, options);
  if (!response.ok) {
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    const errcode = (parsed as { errcode?: unknown } | null)?.errcode;
    throw new MatrixApiError(method, path, response.status, typeof errcode === 'string' ? errcode : undefined, parsed);
  }
  return { bytes: Buffer.from(await response.arrayBuffer()), contentType: response.headers.get('content-type') };
}

export function encode(segment: string): string {
  return encodeURIComponent(segment);
}

export interface SharedSecretRegistration {
  localpart: string;
  password: string;
  admin: boolean;
}

/**
 * Registers a user with the homeserver's registration_shared_secret (Synapse admin API
 * `/_synapse/admin/v1/register`): needs no open registration and skips rc_registration.
 */
export async function registerWithSharedSecret(baseUrl: string, sharedSecret: string, user: SharedSecretRegistration): Promise<{ userId: string; accessToken: string }> {
  const path = '/_synapse/admin/v1/register';
  // Nonces are single use and expire after 60 s: fetch one per registration.
  const { nonce } = await matrixRequest<{ nonce: string }>(baseUrl, 'GET', path);
  const mac = createHmac('sha1', sharedSecret)
    .update([nonce, user.localpart, user.password, user.admin ? 'admin' : 'notadmin'].join('\0'))
    .digest('hex');
  const reply = await matrixRequest<{ user_id: string; access_token: string }>(baseUrl, 'POST', path, {
    json: { nonce, username: user.localpart, password: user.password, admin: user.admin, mac },
  });
  return { userId: reply.user_id, accessToken: reply.access_token };
}

/** Password login (`m.login.password`); a new device and access token per call. */
export async function loginWithPassword(baseUrl: string, localpart: string, password: string): Promise<{ userId: string; accessToken: string }> {
  const reply = await matrixRequest<{ user_id: string; access_token: string }>(baseUrl, 'POST', '/_matrix/client/v3/login', {
    json: { type: 'm.login.password', identifier: { type: 'm.id.user', user: localpart }, password },
  });
  return { userId: reply.user_id, accessToken: reply.access_token };
}

/**
 * The media proxy: a small HTTP listener that serves the links `MediaLinks` signs, streaming
 * each file from the homeserver's authenticated media with the bridge's credentials. IRC users
 * cannot log in to Matrix, so without this an image link from Matrix would be a 404 for them.
 *
 * Only GET/HEAD of a correctly signed, unexpired path; files are served with headers that stop
 * a browser from running uploaded HTML or scripts on the proxy's origin.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Transform, pipeline } from 'node:stream';
import type { BridgeContext, Logger } from '@bridgekit/appservice';
import { isMatrixError } from '@bridgekit/appservice';
import type { MediaConfig } from '../config/types';
import { PROXY_PREFIX, type MediaLinks } from './links';

export interface MediaProxy {
  address: { host: string; port: number };
  close(): Promise<void>;
}

export interface MediaProxyOptions {
  config: Pick<MediaConfig, 'bindAddress' | 'port' | 'maxBytes'>;
  links: MediaLinks;
  media: BridgeContext['media'];
  log: Logger;
}

/** Types a browser may show inline; everything else is a download. */
const INLINE = /^(image\/(png|jpeg|gif|webp|avif)|video\/(mp4|webm|ogg)|audio\/(mpeg|ogg|wav|webm|mp4|aac|flac)|text\/plain)(;|$)/i;
const PATH = /^([A-Za-z0-9.:[\]-]+)\/([A-Za-z0-9_-]+)\/(\d{1,12})\/([A-Za-z0-9_-]+)(?:\/([^/]*))?$/;

export async function startMediaProxy(options: MediaProxyOptions): Promise<MediaProxy> {
  const server = createServer((req, res) => {
    handle(req, res, options).catch((error: Error) => {
      options.log.error('Media proxy request failed', { error: error.message });
      if (!res.headersSent) send(res, 500, 'Internal error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.config.port, options.config.bindAddress, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.config.port;
  return { address: { host: options.config.bindAddress, port }, close: () => close(server) };
}

async function handle(req: IncomingMessage, res: ServerResponse, options: MediaProxyOptions): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method not allowed');
  const path = (req.url ?? '').split('?')[0] ?? '';
  const at = path.indexOf(PROXY_PREFIX);
  const match = at < 0 ? null : PATH.exec(path.slice(at + PROXY_PREFIX.length));
  if (!match) return send(res, 404, 'Not found');
  const [, server, mediaId, expires, signature, rawName] = match as unknown as [string, string, string, string, string, string | undefined];
  const verdict = options.links.verify({ server, mediaId }, Number(expires), signature);
  if (verdict === 'bad-signature') return send(res, 404, 'Not found');
  if (verdict === 'expired') return send(res, 410, 'This link has expired; ask the sender to share the file again.');

  let media;
  try {
    media = await options.media.download(`mxc://${server}/${mediaId}`);
  } catch (error) {
    if (isMatrixError(error, 'M_NOT_FOUND')) return send(res, 404, 'Not found');
    if (isMatrixError(error, 'M_TOO_LARGE')) return send(res, 413, 'Too large');
    options.log.warn('Media proxy could not fetch from the homeserver', { server, mediaId, error: (error as Error).message });
    return send(res, 502, 'The homeserver did not deliver the file; try again later.');
  }
  const { maxBytes } = options.config;
  if (media.contentLength !== undefined && media.contentLength > maxBytes) {
    media.stream.destroy();
    return send(res, 413, 'Too large');
  }
  const name = safeFilename(rawName);
  res.statusCode = 200;
  res.setHeader('Content-Type', media.contentType);
  if (media.contentLength !== undefined) res.setHeader('Content-Length', media.contentLength);
  res.setHeader('Content-Disposition', `${INLINE.test(media.contentType) ? 'inline' : 'attachment'}${name ? `; filename*=UTF-8''${encodeURIComponent(name)}` : ''}`);
  res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'");
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'private, max-age=3600');
  if (req.method === 'HEAD') {
    media.stream.destroy();
    res.end();
    return;
  }
  let seen = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      done(seen > maxBytes ? new Error(`file larger than ${maxBytes} bytes`) : null, chunk);
    },
  });
  pipeline(media.stream, limit, res, (error) => {
    if (error) options.log.warn('Media proxy stream ended early', { server, mediaId, error: error.message });
  });
}

function safeFilename(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  try {
    const name = decodeURIComponent(raw).replace(/[\x00-\x1f\x7f"\\/]/g, '_').slice(0, 200);
    return name || undefined;
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.end(`${text}\n`);
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

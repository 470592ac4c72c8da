/**
 * The media proxy: a route on the bridge's listener that serves the links `MediaLinks` signs,
 * streaming each file from the homeserver's authenticated media with the bridge's credentials.
 * IRC users cannot log in to Matrix, so without this an image link from Matrix would be a 404
 * for them.
 *
 * Only GET/HEAD of a correctly signed, unexpired path; files are served with headers that stop
 * a browser from running uploaded HTML or scripts on the proxy's origin.
 */
import { Transform, pipeline } from 'node:stream';
import type { BridgeContext, Logger, RouteRegistry, RouteReply } from '@bridgekit/appservice';
import { isMatrixError } from '@bridgekit/appservice';
import type { MediaConfig } from '../config/types';
import { PROXY_PATH, type MediaLinks } from './links';

export interface MediaProxyOptions {
  config: Pick<MediaConfig, 'maxBytes'>;
  links: MediaLinks;
  media: BridgeContext['media'];
  log: Logger;
  /** A listener declared with `routes.listener`; default: the appservice listener. */
  listener?: string | undefined;
}

/** Types a browser may show inline; everything else is a download. */
const INLINE = /^(image\/(png|jpeg|gif|webp|avif)|video\/(mp4|webm|ogg)|audio\/(mpeg|ogg|wav|webm|mp4|aac|flac)|text\/plain)(;|$)/i;
/** What each part of a link may hold: what `MediaLinks` writes, nothing else reaches the homeserver. */
const SERVER = /^[A-Za-z0-9.:[\]-]+$/;
const MEDIA_ID = /^[A-Za-z0-9_-]+$/;
const EXPIRES = /^\d{1,12}$/;
const SIGNATURE = /^[A-Za-z0-9_-]+$/;

/** Adds `GET /_bridgekit/media/v1/<server>/<id>/<expires>/<signature>[/<name>]` (GET answers HEAD too). */
export function addMediaProxyRoute(routes: RouteRegistry, options: MediaProxyOptions): void {
  routes.add({
    method: 'GET',
    path: `${PROXY_PATH}:server/:mediaId/:expires/:signature{/:name}`,
    // The signature in the path is the credential: IRC users open these links in a browser.
    auth: 'none',
    body: 'none',
    ...(options.listener ? { listener: options.listener } : {}),
    handler: (request) => serve(request.params, request.signal, options),
  });
}

async function serve(params: Readonly<Record<string, string>>, signal: AbortSignal, options: MediaProxyOptions): Promise<RouteReply> {
  const { server = '', mediaId = '', expires = '', signature = '', name: rawName } = params;
  if (!SERVER.test(server) || !MEDIA_ID.test(mediaId) || !EXPIRES.test(expires) || !SIGNATURE.test(signature)) return text(404, 'Not found');
  const verdict = options.links.verify({ server, mediaId }, Number(expires), signature);
  if (verdict === 'bad-signature') return text(404, 'Not found');
  if (verdict === 'expired') return text(410, 'This link has expired; ask the sender to share the file again.');

  let media;
  try {
    media = await options.media.download(`mxc://${server}/${mediaId}`);
  } catch (error) {
    if (isMatrixError(error, 'M_NOT_FOUND')) return text(404, 'Not found');
    if (isMatrixError(error, 'M_TOO_LARGE')) return text(413, 'Too large');
    options.log.warn('Media proxy could not fetch from the homeserver', { server, mediaId, error: (error as Error).message });
    return text(502, 'The homeserver did not deliver the file; try again later.');
  }
  const { maxBytes } = options.config;
  if (signal.aborted || (media.contentLength !== undefined && media.contentLength > maxBytes)) {
    media.stream.destroy();
    return text(413, 'Too large');
  }
  const name = safeFilename(rawName);
  return {
    status: 200,
    // pipeline passes a failed download on to the reply (cut off), and a cut-off reply back to the download.
    stream: pipeline(media.stream, sizeLimit(maxBytes), () => undefined),
    contentType: media.contentType,
    ...(media.contentLength !== undefined ? { contentLength: media.contentLength } : {}),
    headers: {
      'Content-Disposition': `${INLINE.test(media.contentType) ? 'inline' : 'attachment'}${name ? `; filename*=UTF-8''${encodeURIComponent(name)}` : ''}`,
      'Content-Security-Policy': "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'",
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'private, max-age=3600',
    },
  };
}

/** Fails once more than `maxBytes` went through: a file without a Content-Length is limited while it streams. */
function sizeLimit(maxBytes: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      done(seen > maxBytes ? new Error(`file larger than ${maxBytes} bytes`) : null, chunk);
    },
  });
}

/** The name from the link (Express decoded it once), safe in a header: no controls, quotes or slashes. */
function safeFilename(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const name = raw.replace(/[\x00-\x1f\x7f"\\/]/g, '_').slice(0, 200);
  return name || undefined;
}

function text(status: number, message: string): RouteReply {
  return { status, text: `${message}\n` };
}

/**
 * Links IRC users can open for Matrix media (files, images, long-message pastes).
 *
 * `direct`: the homeserver's legacy download path — fine where authenticated media is off.
 * `proxy`: the bridge's own route, `<public_url>/_bridgekit/media/v1/<server>/<id>/<expires>/<sig>/<name>`,
 * where sig = HMAC-SHA256(key, server/id/expires) truncated to 128 bits. Only links the bridge
 * made are served, and only until they expire; the path has no query so IRC clients linkify it whole.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ROUTE_PREFIX } from '@bridgekit/appservice';
import type { MediaConfig } from '../config/types';

const MXC = /^mxc:\/\/([A-Za-z0-9.:[\]-]+)\/([A-Za-z0-9_-]+)$/;
/** The proxy route's path below the core's route prefix. */
export const PROXY_PATH = '/media/v1/';
/** Where links point below `public_url`: the same on the appservice listener and on a port of the proxy's own. */
export const PROXY_PREFIX = `${ROUTE_PREFIX}${PROXY_PATH}`;

export interface MediaRef {
  server: string;
  mediaId: string;
}

export function parseMxc(mxc: string): MediaRef | undefined {
  const match = MXC.exec(mxc);
  return match ? { server: match[1] as string, mediaId: match[2] as string } : undefined;
}

export class MediaLinks {
  constructor(
    private readonly config: Pick<MediaConfig, 'mode' | 'publicUrl' | 'linkTtlSeconds'>,
    private readonly key: Buffer | undefined,
    private readonly now: () => number = Date.now,
  ) {
    if (config.mode === 'proxy' && !key) throw new Error('The media proxy needs its signing key.');
  }

  /** A link for `mxc`, or undefined when it is not a valid mxc:// URI. */
  linkFor(mxc: string, filename?: string): string | undefined {
    const ref = parseMxc(mxc);
    if (!ref) return undefined;
    const name = filename ? `/${encodeURIComponent(filename.replace(/[/\\]/g, '_'))}` : '';
    if (this.config.mode === 'direct') {
      return `${this.config.publicUrl}/_matrix/media/v3/download/${ref.server}/${ref.mediaId}${name}`;
    }
    const expires = Math.floor(this.now() / 1000) + this.config.linkTtlSeconds;
    return `${this.config.publicUrl}${PROXY_PREFIX}${ref.server}/${ref.mediaId}/${expires}/${this.sign(ref, expires)}${name}`;
  }

  /** Checks a proxy link's parts; constant-time signature comparison. */
  verify(ref: MediaRef, expires: number, signature: string): 'ok' | 'expired' | 'bad-signature' {
    const expected = Buffer.from(this.sign(ref, expires));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad-signature';
    return expires * 1000 < this.now() ? 'expired' : 'ok';
  }

  private sign(ref: MediaRef, expires: number): string {
    if (!this.key) throw new Error('No media signing key configured.');
    return createHmac('sha256', this.key).update(`${ref.server}/${ref.mediaId}/${expires}`).digest().subarray(0, 16).toString('base64url');
  }
}

import type { Counter } from 'prom-client';
import type { Logger } from '../log/types';

export type AuthRefusalReason = 'missing_token' | 'wrong_token';

/** One refused request, as the auth check saw it. Never holds the token or any part of it. */
export interface AuthRefusal {
  reason: AuthRefusalReason;
  /** Where the token was looked for: the Authorization header or the `access_token` query parameter. */
  via: 'header' | 'query' | 'none';
  /** The sender's address, so an admin can tell their homeserver from something else probing the port. */
  from: string | undefined;
  /** The fixed route name (`transactions`, `users`, ...). */
  route: string;
}

export interface AuthRefusalReporterDeps {
  log: Logger;
  metric?: Counter<'reason'>;
  /** Milliseconds since the epoch; injected in tests. */
  now?: () => number;
  /** The bridge's registration file, named in the fix. */
  registrationFile?: string;
  /** At most one log line per reason in this many milliseconds. */
  intervalMs?: number;
}

const ONE_MINUTE_MS = 60_000;

/**
 * Tells the admin that the homeserver's pushes are being refused. Without it a wrong hs_token
 * is silent: every transaction gets 403, the homeserver keeps retrying, and messages are lost
 * while nothing shows in the bridge's log. The homeserver retries for as long as the mismatch
 * lasts, so one line a minute (with how many refusals it stands for) is enough and cannot
 * flood the log. Every refusal is counted in the metric.
 */
export class AuthRefusalReporter {
  private readonly now: () => number;
  private readonly intervalMs: number;
  private readonly lines = new Map<AuthRefusalReason, { loggedAt: number; unlogged: number }>();

  constructor(private readonly deps: AuthRefusalReporterDeps) {
    this.now = deps.now ?? Date.now;
    this.intervalMs = deps.intervalMs ?? ONE_MINUTE_MS;
  }

  refused(refusal: AuthRefusal): void {
    this.deps.metric?.inc({ reason: refusal.reason });
    const now = this.now();
    const line = this.lines.get(refusal.reason);
    if (line && now - line.loggedAt < this.intervalMs) {
      line.unlogged += 1;
      return;
    }
    const refusals = (line?.unlogged ?? 0) + 1;
    this.lines.set(refusal.reason, { loggedAt: now, unlogged: 0 });
    const meta = { refusals, sinceLastLineMs: line ? now - line.loggedAt : undefined, route: refusal.route, via: refusal.via, from: refusal.from };
    if (refusal.reason === 'wrong_token') this.deps.log.error(this.wrongTokenText(), meta);
    else this.deps.log.warn(MISSING_TOKEN_TEXT, meta);
  }

  private wrongTokenText(): string {
    const ours = this.deps.registrationFile ? `the bridge's registration file (${this.deps.registrationFile})` : "the bridge's registration file";
    return 'Refused requests from the homeserver: they carry a wrong hs_token, so no Matrix events reach the bridge until this is fixed. '
      + `Make hs_token in the homeserver's copy of the registration file (the file listed under app_service_config_files in homeserver.yaml) the same as hs_token in ${ours}, then restart the homeserver.`;
  }
}

const MISSING_TOKEN_TEXT = 'Refused requests that carry no hs_token. A homeserver always sends it: if these come from your homeserver, '
  + 'check that its copy of the registration file has hs_token set; otherwise something other than the homeserver is calling the bridge.';

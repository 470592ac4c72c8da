/**
 * /ready: is this bridge able to do its work right now? Its parts are asked in turn: the store
 * (open and answering), the homeserver (has answered the start-up ping with the right tokens),
 * and the connector (e.g. every IRC network's bot connected). 503 names each part that is not
 * ready, so an orchestrator's probe log says what to look at.
 */
import { errorMessage } from '../errors/bridge-error';
import type { HomeserverSnapshot } from './homeserver-status';

/** What a connector says about its own readiness (`Connector.readiness`). */
export interface ConnectorReadiness {
  ready: boolean;
  /** Per-part state as JSON, e.g. `{ networks: { libera: 'connected', oftc: 'backoff' } }`. */
  details: Record<string, unknown>;
}

/** What `/ready` answers: ready or not, which parts are not, and each part's state. */
export interface ReadinessReport {
  ok: boolean;
  /** The parts that are not ready, e.g. `['homeserver', 'irc']`; empty when `ok`. */
  notReady: string[];
  details: Record<string, unknown>;
}

export interface ReadinessInput {
  /** `'ok'`, or why the store cannot be used. */
  store: string;
  homeserver: HomeserverSnapshot;
  /** The connector's name and its answer (absent when it has no readiness hook). */
  connector?: { name: string; readiness: ConnectorReadiness };
  /** The subscribed moderation policy lists, when any are configured: each must be loaded. */
  moderation?: { ready: boolean; details: Record<string, string> };
}

export function readinessReport(input: ReadinessInput): ReadinessReport {
  const notReady: string[] = [];
  if (input.store !== 'ok') notReady.push('store');
  const hs = input.homeserver;
  // "unsupported": an old homeserver without the ping; the bridge cannot prove the tokens, so
  // it does not hold readiness back for ever (the log said so at start).
  const homeserverReady = hs.ping !== 'pending' && hs.reachable !== false;
  if (!homeserverReady) notReady.push('homeserver');
  const details: Record<string, unknown> = { store: input.store, homeserver: describeHomeserver(hs) };
  if (input.connector) {
    if (!input.connector.readiness.ready) notReady.push(input.connector.name);
    details[input.connector.name] = input.connector.readiness.details;
  }
  if (input.moderation) {
    if (!input.moderation.ready) notReady.push('moderation');
    details.moderation = input.moderation.details;
  }
  return { ok: notReady.length === 0, notReady, details };
}

/** `'ok'`, or why the store cannot answer a query (what /ready says about it). */
export async function storeHealth(store: { check(): Promise<void> } | undefined, lockProblem?: Error): Promise<string> {
  if (!store) return 'closed';
  if (lockProblem) return `store lock lost: ${lockProblem.message}`;
  try {
    await store.check();
    return 'ok';
  } catch (err) {
    return errorMessage(err);
  }
}

function describeHomeserver(hs: HomeserverSnapshot): string {
  if (hs.reachable === false) return `unreachable since ${new Date(hs.since ?? 0).toISOString()}`;
  if (hs.ping === 'pending') return 'waiting for the homeserver to answer the start-up ping';
  if (hs.ping === 'unsupported') return 'ok (the homeserver has no appservice ping; tokens not proved)';
  return 'ok';
}

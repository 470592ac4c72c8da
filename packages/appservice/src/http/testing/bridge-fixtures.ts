// Shared by the unit tests of the whole Bridge only (excluded from the build): a connector that
// records what it is handed, and a homeserver in the transport (undici's MockAgent).
import { MockAgent } from 'undici';
import type { BridgeContext, Connector } from '../../connector';
import type { MatrixEvent } from '../../events';

/** What a recording connector saw: every Matrix event it handled, and its context. */
export interface Recorded { events: MatrixEvent[]; ctx?: BridgeContext }

/** A connector with one table of its own that records the events it handles after `behaviour`. */
export function recordingConnector(rec: Recorded, behaviour: (e: MatrixEvent) => Promise<void> = async () => undefined): Connector {
  return {
    name: 'test',
    migrations: [{ version: 1, description: 'a connector table', up: (db) => db.exec('CREATE TABLE test_things (id TEXT PRIMARY KEY)') }],
    async start(ctx) { rec.ctx = ctx; },
    async stop() {},
    async onMatrixEvent(event) { await behaviour(event); rec.events.push(event); },
  };
}

/** Every request the fake homeserver answered, as `METHOD url` (tests clear it before each). */
export const homeserverRequests: string[] = [];
/** Bodies of the messages the bridge sent, by the request's URL. */
export const sentMessages = new Map<string, Record<string, unknown>>();
export type Answer = { statusCode: number; data: string };
/** A homeserver that accepts everything: pings answered, messages given an event ID. */
export const ok = (path: string): Answer => ({ statusCode: 200, data: JSON.stringify(path.includes('/ping') ? { duration_ms: 1 } : { event_id: '$sent' }) });

/** A homeserver in the transport (undici's MockAgent): every request is recorded and answered by `answer`. */
export function fakeHomeserver(answer: (path: string) => Answer = ok): MockAgent {
  const agent = new MockAgent();
  agent.disableNetConnect();
  agent.get('http://127.0.0.1:9').intercept({ path: () => true, method: () => true }).reply((opts) => {
    const url = `http://127.0.0.1:9${opts.path}`;
    homeserverRequests.push(`${opts.method} ${url}`);
    if (url.includes('/send/') && typeof opts.body === 'string') sentMessages.set(url, JSON.parse(opts.body) as Record<string, unknown>);
    const { statusCode, data } = answer(opts.path);
    return { statusCode, data, responseOptions: { headers: { 'content-type': 'application/json' } } };
  }).persist();
  return agent;
}

/** The peers every bench world starts before its bridge: ngIRCd, a fresh registration, and the fake homeserver aimed at the bridge's port. */
import type { Registration } from '@bridgekit/appservice';
import { BOT_USER_ID, DOMAIN, writeRegistration } from './bridge/config';
import { FakeHomeserver } from './fake-hs/server';
import { freePort, Ircd } from './ircd';

export interface Peers {
  ircd: Ircd;
  /** The port the bridge's appservice will listen on (the homeserver pushes there). */
  asPort: number;
  registration: Registration;
  hs: FakeHomeserver;
}

export async function startPeers(dir: string): Promise<Peers> {
  const ircd = await Ircd.start(dir);
  const asPort = await freePort();
  const registration = writeRegistration(dir, asPort);
  const hs = new FakeHomeserver({ domain: DOMAIN, asToken: registration.asToken, hsToken: registration.hsToken, botUserId: BOT_USER_ID });
  await hs.listen();
  hs.setBridge(asPort);
  return { ircd, asPort, registration, hs };
}

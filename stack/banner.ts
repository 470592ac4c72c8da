/** What the person sees once everything is up: how to reach the bridge from both sides. */
import { shown } from './errors';
import { seconds } from './progress';
import { CHANNEL } from './settings';
import type { StackSettings } from './settings';
import type { TestAccount } from './account';

/** The first line of the banner; the e2e test waits for it. */
export const READY_HEADLINE = 'Bridgekit is running';

export function readyBanner(settings: StackSettings, account: TestAccount, botUserId: string, startedInMs: number): string {
  const homeserver = `http://127.0.0.1:${settings.synapsePort.port}`;
  return [
    '',
    `${READY_HEADLINE} (ready in ${seconds(startedInMs)}). Talk through the bridge:`,
    '',
    `  Matrix client   homeserver  ${homeserver}`,
    `                  sign in as  ${account.localpart}   password  ${account.password}   (${account.userId})`,
    `                  room        ${settings.portalAlias}   (${account.localpart} has joined it; other accounts: register one in your client, then join this alias)`,
    `                  bridge bot  ${botUserId}   (DM ${botUserId} for the admin room; say !help there)`,
    `  IRC client      server      127.0.0.1   port ${settings.ircPort.port}   (plain text, no password)`,
    `                  channel     ${CHANNEL}`,
    '',
    `  Messages sent in the room appear in ${CHANNEL}, and the other way round.`,
    `  Data, configs and logs: ${shown(settings.dataDir)}/ (kept when you stop: the next start is quick and keeps the rooms).`,
    '  Press Ctrl-C to stop.',
    '',
  ].join('\n');
}

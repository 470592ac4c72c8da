import type { ParsedMessage } from 'irc-framework';
import { registrationRefusal } from './registration-refusals';

const reply = (command: string, text: string) => ({ command, params: ['*', text] }) as unknown as ParsedMessage;

describe('registrationRefusal', () => {
  it.each([
    ['432', 'IRC_NICK_INVALID', 'Erroneous nickname'],
    ['431', 'IRC_NICK_INVALID', 'No nickname given'],
    ['464', 'IRC_BAD_PASSWORD', 'server password'],
    ['465', 'IRC_BANNED', 'K-lined'],
    ['904', 'IRC_SASL_FAILED', 'SASL authentication failed'],
    ['908', 'IRC_SASL_FAILED', 'PLAIN'],
  ])('turns %s into %s, naming the host and the reason', (command, code, text) => {
    const error = registrationRefusal(reply(command, text), 'irc.test', 'alice');
    expect(error?.code).toBe(code);
    expect(error?.message).toContain('irc.test');
  });

  it.each(['001', '433', '376', 'PRIVMSG'])('is not a refusal: %s', (command) => {
    expect(registrationRefusal(reply(command, 'x'), 'irc.test', 'alice')).toBeUndefined();
  });
});

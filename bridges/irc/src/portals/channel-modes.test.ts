// Unit tests of channel modes → flags and keys (pure), table style.
import { parseModeChanges, DEFAULT_ISUPPORT } from '../irc/isupport';
import { keyChange, nextFlags, type ChannelFlags } from './channel-modes';

const NONE: ChannelFlags = { inviteOnly: false, secret: false, moderated: false, topicLocked: false };
const modes = (m: string, ...params: string[]) => parseModeChanges(m, params, DEFAULT_ISUPPORT);

describe('nextFlags', () => {
  it.each([
    ['+i', false, NONE, { ...NONE, inviteOnly: true }, ['inviteOnly']],
    ['+ism', false, NONE, { ...NONE, inviteOnly: true, secret: true, moderated: true }, ['inviteOnly', 'secret', 'moderated']],
    ['-m+o', false, { ...NONE, moderated: true }, NONE, ['moderated']],
    ['+nt', false, { ...NONE, secret: true }, { ...NONE, secret: true, topicLocked: true }, ['topicLocked']],
    ['-t', false, { ...NONE, topicLocked: true }, NONE, ['topicLocked']],
    // 324 is complete: what it does not list is off
    ['+nt', true, { ...NONE, inviteOnly: true, secret: true }, { ...NONE, topicLocked: true }, ['inviteOnly', 'secret', 'topicLocked']],
    ['+ntm', true, { ...NONE, moderated: true, topicLocked: true }, { ...NONE, moderated: true, topicLocked: true }, []],
    ['+', true, { ...NONE, topicLocked: true }, NONE, ['topicLocked']],
  ] as const)('%s (current %s)', (m, current, previous, flags, changed) => {
    const params = m.includes('o') ? ['carol'] : [];
    expect(nextFlags(previous, modes(m, ...params), current)).toEqual({ flags, changed });
  });
});

describe('keyChange', () => {
  it.each([
    ['+k', ['sesame'], false, { key: 'sesame' }],
    ['-k', ['sesame'], false, { key: undefined }],
    ['+k', ['*'], false, undefined], // hidden from us: unknown, not changed
    ['+m', [], false, undefined],
    ['+ntk', ['sesame'], true, { key: 'sesame' }],
    ['+nt', [], true, { key: undefined }],
    ['+ntk', ['*'], true, undefined],
  ] as const)('%s %j (current %s)', (m, params, current, expected) => {
    expect(keyChange(modes(m, ...params), current)).toEqual(expected);
  });
});

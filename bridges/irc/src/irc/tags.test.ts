import { escapeTagValue, tagPrefix } from './tags';

describe('outgoing message tags', () => {
  it('escapes values so nothing can end the tag section or the line', () => {
    expect(escapeTagValue('a;b c\\d\r\ne')).toBe('a\\:b\\sc\\\\d\\r\\ne');
    expect(tagPrefix({ '+draft/reply': 'abc; PRIVMSG #x :evil' })).toBe('@+draft/reply=abc\\:\\sPRIVMSG\\s#x\\s:evil ');
  });

  it('writes nothing without tags, and refuses a malformed key', () => {
    expect(tagPrefix({})).toBe('');
    expect(() => tagPrefix({ 'bad key': 'x' })).toThrow(/not a valid IRCv3 tag name/);
  });
});

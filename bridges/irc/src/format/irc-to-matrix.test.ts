import { asUserId } from '@bridgekit/appservice';
import { escapeHtml, ircToMatrix, userPermalink } from './irc-to-matrix';
import type { MentionRules } from './mentions';

const alice = { userId: asUserId('@_irc_libera_alice:hs'), displayName: 'Alice (IRC)' };
const bob = { userId: asUserId('@bob:hs'), displayName: 'Bob <b>' };
const lookup: MentionRules = { lookup: (word) => ({ alice, bob } as Record<string, typeof alice>)[word] };

describe('ircToMatrix', () => {
  it.each<[string, string, string | undefined]>([
    ['hello world', 'hello world', undefined],
    ['a < b & c', 'a < b & c', undefined],
    ['\x02bold\x02 text', 'bold text', '<b>bold</b> text'],
    ['\x1ditalic\x1d', 'italic', '<i>italic</i>'],
    ['\x1funder\x1f', 'under', '<u>under</u>'],
    ['\x1estrike\x1e', 'strike', '<del>strike</del>'],
    ['\x11mono\x11', 'mono', '<code>mono</code>'],
    ['\x02\x1dboth\x0f plain', 'both plain', '<b><i>both</i></b> plain'],
    ['\x034red\x03 x', 'red x', '<font data-mx-color="#ff0000">red</font> x'],
    ['\x0304,01red on black', 'red on black', '<font data-mx-color="#ff0000" data-mx-bg-color="#000000">red on black</font>'],
    ['\x0352ext', 'ext', '<font data-mx-color="#ff0000">ext</font>'],
    ['\x0398grey', 'grey', '<font data-mx-color="#ffffff">grey</font>'],
    ['\x0399default', 'default', undefined],
    ['\x04ff8800hex', 'hex', '<font data-mx-color="#ff8800">hex</font>'],
    ['\x16reverse\x16', 'reverse', undefined],
    ['\x02<script>\x02', '<script>', '<b>&lt;script&gt;</b>'],
    ['bell\x07 nul\x00 esc\x1b', 'bell nul esc', undefined],
    ['\x02\x02', '', undefined],
    ['\x03', '', undefined],
    ['tab\there', 'tab\there', undefined],
  ])('%j', (input, body, html) => {
    const out = ircToMatrix(input);
    expect(out.body).toBe(body);
    expect(out.formatted_body).toBe(html);
    expect(out.mentions).toEqual([]);
  });

  it.each<[string, string]>([
    ['see https://example.org/a?b=c&d=e.', 'see <a href="https://example.org/a?b=c&amp;d=e">https://example.org/a?b=c&amp;d=e</a>.'],
    ['(http://x.org/wiki/A_(b))', '(<a href="http://x.org/wiki/A_(b)">http://x.org/wiki/A_(b)</a>)'],
    ['http://a.b/"onmouseover="x', '<a href="http://a.b/">http://a.b/</a>&quot;onmouseover=&quot;x'],
    ['javascript:alert(1)', 'javascript:alert(1)'],
  ])('links %j', (input, html) => {
    const out = ircToMatrix(input);
    expect(out.body).toBe(input);
    if (html === input) expect(out.formatted_body).toBeUndefined();
    else expect(out.formatted_body).toBe(html);
  });

  it.each<[string, string | undefined, string[]]>([
    ['alice: hi', '<a href="https://matrix.to/#/@_irc_libera_alice:hs">Alice (IRC)</a>: hi', ['@_irc_libera_alice:hs']],
    ['bob: hi alice', '<a href="https://matrix.to/#/@bob:hs">Bob &lt;b&gt;</a>: hi <a href="https://matrix.to/#/@_irc_libera_alice:hs">Alice (IRC)</a>', ['@bob:hs', '@_irc_libera_alice:hs']],
    ['hi alice, bob', 'hi <a href="https://matrix.to/#/@_irc_libera_alice:hs">Alice (IRC)</a>, bob', ['@_irc_libera_alice:hs']],
    ['see https://example.org/alice alice', 'see <a href="https://example.org/alice">https://example.org/alice</a> <a href="https://matrix.to/#/@_irc_libera_alice:hs">Alice (IRC)</a>', ['@_irc_libera_alice:hs']],
    ['thanks alice', 'thanks <a href="https://matrix.to/#/@_irc_libera_alice:hs">Alice (IRC)</a>', ['@_irc_libera_alice:hs']],
    ["alice's cat", undefined, []],
    ['malice: no', undefined, []],
    ['alice:alice', undefined, []],
  ])('mentions in %j', (input, html, mentions) => {
    const out = ircToMatrix(input, lookup);
    expect(out.body).toBe(input);
    expect(out.formatted_body).toBe(html);
    expect(out.mentions).toEqual(mentions);
  });

  it('lists in m.mentions exactly the users that got a pill', () => {
    // A nick cut by a formatting code cannot become one link: it stays text and is not listed.
    const cut = ircToMatrix('ali\x02ce\x02 look', lookup);
    expect(cut.formatted_body).toBe('ali<b>ce</b> look');
    expect(cut.mentions).toEqual([]);
    expect(ircToMatrix('alice: alice', lookup).mentions).toEqual(['@_irc_libera_alice:hs']);
  });

  it('never pills the speaker', () => {
    const out = ircToMatrix('alice: thanks alice, bob: you too', { ...lookup, sender: alice.userId });
    expect(out.mentions).toEqual([]);
    expect(out.formatted_body).toBeUndefined();
  });

  it('mentions inside formatting', () => {
    const out = ircToMatrix('\x02alice\x02: look', lookup);
    expect(out.formatted_body).toBe('<b><a href="https://matrix.to/#/@_irc_libera_alice:hs">Alice (IRC)</a></b>: look');
    expect(out.body).toBe('alice: look');
  });

  it('never lets text become markup (hostile input)', () => {
    const hostile = '\x02<img src=x onerror=alert(1)>\x02 "\'&amp; \x034</font><script>';
    const out = ircToMatrix(hostile);
    expect(out.formatted_body).not.toMatch(/<img|<script|<\/font><script/);
    expect(out.formatted_body).toContain('&lt;img');
    expect(out.body).toBe('<img src=x onerror=alert(1)> "\'&amp; </font><script>');
  });
});

describe('helpers', () => {
  it('escapes all five HTML specials', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
  it('percent-encodes odd characters in permalinks', () => {
    expect(userPermalink(asUserId('@a"b:hs'))).toBe('https://matrix.to/#/@a%22b:hs');
  });
});

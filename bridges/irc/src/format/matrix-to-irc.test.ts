import { asUserId, type UserId } from '@bridgekit/appservice';
import { htmlToIrc, matrixToIrc, PORTABLE_FORMATTING, stripReplyFallback, userIdFromPermalink, type FormattingCodes } from './matrix-to-irc';
import { stripMirc } from './mirc';

const nicks: Record<string, string> = { '@_irc_libera_alice:hs': 'alice', '@bob:hs': 'bob[m]' };
const pillNick = (userId: UserId) => nicks[userId];
const html = (formatted_body: string) => matrixToIrc({ body: 'fallback', format: 'org.matrix.custom.html', formatted_body }, { pillNick });

describe('matrixToIrc: inline formatting', () => {
  it.each([
    ['plain', 'plain'],
    ['<b>bold</b> text', '\x02bold\x02 text'],
    ['<strong>s</strong><em>e</em>', '\x02s\x02\x1de'],
    ['<i>i</i>', '\x1di'],
    ['<u>u</u>', '\x1fu'],
    ['<b>a <i>b</i> c</b>', '\x02a \x1db\x1d c'],
    ['<b></b>empty', 'empty'],
    ['<font data-mx-color="#ff0000">red</font> x', '\x0304red\x03 x'],
    ['<span data-mx-color="#00007f" data-mx-bg-color="#ffffff">navy</span>', '\x0302,00navy'],
    ['<font color="green">g</font>', '\x0303g'],
    ['<font data-mx-color="#ff0000">1</font>2', '\x03041\x03\x02\x022'],
    ['<font data-mx-color="#ff0000">a</font><font data-mx-color="#00fc00">,1</font>', '\x0304a\x0309\x02\x02,1'],
    ['<font data-mx-color="#ff0000">a</font>,5', '\x0304a\x03\x02\x02,5'],
    ['<font data-mx-color="#ff0000"><font data-mx-color="#0000fc">b</font>r</font>', '\x0312b\x0304r'],
    ['<font data-mx-color="bogus">x</font>', 'x'],
    ['<span data-mx-spoiler="">secret</span>', '\x0301,01secret'],
    ['a &amp; b &lt;c&gt; &quot;d&quot; &#x1F600;', 'a & b <c> "d" 😀'],
    ['a    b\n\tc', 'a b c'],
  ])('%j → %j', (input, expected) => {
    expect(html(input)).toBe(expected);
  });
});

describe('matrixToIrc: inline code and strikethrough', () => {
  const withCodes = (formatted_body: string, codes: FormattingCodes) => matrixToIrc({ body: 'fallback', format: 'org.matrix.custom.html', formatted_body }, { pillNick, codes });

  // By default: markers every client shows (irssi 1.4 shows \x11 and \x1e as "Q" and "^").
  it.each([
    ['<code>x = 1</code>', '`x = 1`'],
    ['run <code>make</code> now', 'run `make` now'],
    ['<kbd>Ctrl</kbd>+<samp>C</samp>', '`Ctrl`+`C`'],
    ['<del>d</del> <s>s</s> <strike>k</strike>', '~~d~~ ~~s~~ ~~k~~'],
    ['<del>old <code>x</code></del> new', '~~old `x`~~ new'],
    ['<code>a <del>b</del> c</code>', '`a ~~b~~ c`'],
    ['<b><code>x</code></b> y', '\x02`x`\x02 y'],
    ['<code>x</code><br><code>y', '`x`\n`y`'],
    ['<del>multi<br>line</del>', '~~multi~~\n~~line~~'],
    ['<code></code>empty', 'empty'],
    ['<code>x </code>', '`x`'],
    ['<font data-mx-color="#ff0000"><code>1</code></font>2', '\x0304`1`\x03\x02\x022'],
    ['<pre><code>block\n  line</code></pre>', 'block\n  line'],
    ['<p><code>a</code></p><p><del>b</del></p>', '`a`\n~~b~~'],
  ])('%j → %j', (input, expected) => {
    expect(html(input)).toBe(expected);
    expect(withCodes(input, PORTABLE_FORMATTING)).toBe(expected);
  });

  // Where the admin turned the codes on.
  it.each<[string, FormattingCodes, string]>([
    ['<code>x = 1</code>', { monospace: true, strikethrough: false }, '\x11x = 1'],
    ['<del>d</del> <s>s</s>', { monospace: false, strikethrough: true }, '\x1ed\x1e \x1es'],
    ['<del>d</del> <code>c</code>', { monospace: true, strikethrough: false }, '~~d~~ \x11c'],
    ['<del>d</del> <code>c</code>', { monospace: false, strikethrough: true }, '\x1ed\x1e `c`'],
    ['<pre><code>if x:\n    y()\n</code></pre>', { monospace: true, strikethrough: true }, '\x11if x:\n\x11    y()'],
  ])('%j with %j → %j', (input, codes, expected) => {
    expect(withCodes(input, codes)).toBe(expected);
  });
});

describe('matrixToIrc: blocks', () => {
  it.each([
    ['line1<br>line2', 'line1\nline2'],
    ['line1<br/><br/>line3', 'line1\n\nline3'],
    ['<p>para1</p>\n<p>para2</p>', 'para1\npara2'],
    ['<blockquote>quoted<br>two</blockquote>reply', '> quoted\n> two\nreply'],
    ['<blockquote><p>a</p><blockquote>b</blockquote></blockquote>', '> a\n> > b'],
    ['<ul><li>one</li><li>two</li></ul>', '- one\n- two'],
    ['<ol start="3"><li>c</li><li>d</li></ol>', '3. c\n4. d'],
    ['<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>', '- a\n  - b\n- c'],
    ['<ul><li></li></ul>', '-'],
    ['<h1>Title</h1>text', '\x02Title\ntext'],
    ['<b>a<br>b</b>c', '\x02a\n\x02b\x02c'],
    ['<blockquote><b>x<br>y</b></blockquote>', '> \x02x\n> \x02y'],
    ['<pre><code>if x:\n    y()\n</code></pre>', 'if x:\n    y()'],
    ['a<hr>b', 'a\n---\nb'],
    ['<table><tr><th>h1</th><th>h2</th></tr><tr><td>a</td><td>b</td></tr></table>', '\x02h1\x02 | \x02h2\x02\na | b'.replace(/\x02/g, '')],
  ])('%j → %j', (input, expected) => {
    expect(html(input)).toBe(expected);
  });
});

describe('matrixToIrc: links and pills', () => {
  it.each([
    ['<a href="https://example.org">click</a>', 'click (https://example.org)'],
    ['<a href="https://example.org/">https://example.org/</a>', 'https://example.org/'],
    ['<a href="https://example.org/">example.org</a>', 'example.org'],
    ['<a href="mailto:a@b.c">a@b.c</a>', 'a@b.c'],
    ['<a href="https://x.y"></a>', 'https://x.y'],
    ['<a href="https://matrix.to/#/@_irc_libera_alice:hs">Alice (IRC)</a>: hi', 'alice: hi'],
    ['<a href="https://matrix.to/#/%40bob%3Ahs">Bob</a>', 'bob[m]'],
    ['<a href="matrix:u/bob:hs">Bob</a>', 'bob[m]'],
    ['<a href="https://matrix.to/#/@stranger:hs">Stranger</a>', 'Stranger'],
    ['<a href="https://matrix.to/#/#room:hs">#room:hs</a>', '#room:hs (https://matrix.to/#/#room:hs)'],
    ['<b><a href="https://e.org">x</a></b>', '\x02x\x02 (https://e.org)'],
  ])('%j → %j', (input, expected) => {
    expect(html(input)).toBe(expected);
  });

  it('parses permalinks', () => {
    expect(userIdFromPermalink('https://matrix.to/#/@a:hs?via=x')).toBe('@a:hs');
    expect(userIdFromPermalink('https://matrix.to/#/%ZZ')).toBeUndefined();
    expect(userIdFromPermalink('https://matrix.to/#/!room:hs')).toBeUndefined();
    expect(userIdFromPermalink('https://evil.org/#/@a:hs')).toBeUndefined();
  });
});

describe('matrixToIrc: replies and fallbacks', () => {
  it('drops the <mx-reply> fallback', () => {
    expect(html('<mx-reply><blockquote><a href="x">In reply to</a> quoted</blockquote></mx-reply>my answer')).toBe('my answer');
  });

  it('uses the body when there is no HTML', () => {
    expect(matrixToIrc({ body: 'just text\nline 2' })).toBe('just text\nline 2');
    expect(matrixToIrc({ body: 'b', format: 'something/else', formatted_body: '<b>x</b>' })).toBe('b');
  });

  it('strips the "> " fallback from a reply body', () => {
    const body = '> <@alice:hs> original\n> more\n\nmy answer';
    expect(matrixToIrc({ body }, { isReply: true })).toBe('my answer');
    expect(matrixToIrc({ body })).toBe(body);
    expect(stripReplyFallback('no quote')).toBe('no quote');
  });
});

describe('matrixToIrc: hostile input', () => {
  it('ignores script/style content and unknown tags', () => {
    expect(html('<script>alert(1)</script><style>b{}</style><marquee>hi</marquee>')).toBe('hi');
  });

  it('survives deep nesting without overflowing the stack', () => {
    const deep = '<b>'.repeat(20000) + 'x' + '</b>'.repeat(20000);
    expect(stripMirc(html(deep))).toBe('x');
  });

  it('survives unbalanced markup', () => {
    expect(stripMirc(html('<b><i>a</b>b</i><p>c'))).toBe('ab\nc');
  });

  it('keeps CR/LF out of single lines (line structure only via \\n)', () => {
    const out = html('a\r\nb<br>c');
    expect(out.split('\n')).toEqual(['a b', 'c']);
  });

  it('does not crash on a missing body', () => {
    expect(matrixToIrc({} as { body: string })).toBe('');
  });

  it('resolves pills only through the lookup', () => {
    const seen: string[] = [];
    htmlToIrc('<a href="https://matrix.to/#/@x:hs">X</a>', (id) => {
      seen.push(id);
      return undefined;
    });
    expect(seen).toEqual([asUserId('@x:hs')]);
  });
});

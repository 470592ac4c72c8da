import type { MessageContent } from '@bridgekit/appservice';
import { fill, renderForIrc, shorten, type RenderContext } from './render';

const ctx: RenderContext = {
  pillNick: (userId) => (userId === '@_irc_net_carol:hs.test' ? 'carol' : userId === '@alice:hs.test' ? 'alice[m]' : undefined),
  quoteOf: (eventId) => (eventId === '$known' ? { nick: 'carol', excerpt: 'the quick brown fox jumps over the lazy dog' } : undefined),
  mediaLink: (mxc, filename) => `https://media.test/${mxc.slice(6)}${filename ? `/${filename}` : ''}`,
  templates: { replyTemplate: '$NICK: "$QUOTE" <- $REPLY', replyQuoteLength: 20, editTemplate: '* $NEW' },
};

const full = (content: Partial<MessageContent>, type = 'm.room.message', context = ctx) => renderForIrc(type, { msgtype: 'm.text', body: '', ...content } as MessageContent, context);
/** What IRC sees (`said` is checked on its own below). */
const render = (content: Partial<MessageContent>, type = 'm.room.message', context = ctx) => {
  const out = full(content, type, context);
  return out && { kind: out.kind, text: out.text };
};

describe('renderForIrc', () => {
  it.each<[string, Partial<MessageContent>, { kind: string; text: string } | undefined]>([
    ['plain text', { body: 'hello' }, { kind: 'say', text: 'hello' }],
    ['an emote', { msgtype: 'm.emote', body: 'waves' }, { kind: 'action', text: 'waves' }],
    ['a notice', { msgtype: 'm.notice', body: 'beep' }, { kind: 'notice', text: 'beep' }],
    ['HTML formatting', { body: 'x', format: 'org.matrix.custom.html', formatted_body: '<i>it</i> <u>u</u>' }, { kind: 'say', text: '\x1dit\x1d \x1fu' }],
    ['a pill of a ghost', { body: 'carol: hi', format: 'org.matrix.custom.html', formatted_body: '<a href="https://matrix.to/#/@_irc_net_carol:hs.test">Carol</a>: hi' }, { kind: 'say', text: 'carol: hi' }],
    ['multi-line text', { body: 'a\nb' }, { kind: 'say', text: 'a\nb' }],
    ['an empty message', { body: '   ' }, undefined],
    ['only line breaks', { body: '\n\n' }, undefined],
    ['only a no-break space', { body: '\u00a0' }, undefined],
    ['only zero-width characters', { body: '\u200b\u200d\ufeff' }, undefined],
    ['HTML that shows nothing', { body: 'x', format: 'org.matrix.custom.html', formatted_body: '<p>&nbsp;</p><b>\u200b</b><br>' }, undefined],
    ['an empty emote', { msgtype: 'm.emote', body: ' \u2060 ' }, undefined],
    ['a location without a body or geo URI', { msgtype: 'm.location', body: ' ' }, undefined],
    ['an image with its file name', { msgtype: 'm.image', body: 'cat.png', url: 'mxc://hs.test/abc' }, { kind: 'say', text: 'https://media.test/hs.test/abc/cat.png' }],
    ['a file with a caption', { msgtype: 'm.file', body: 'the report', filename: 'r.pdf', url: 'mxc://hs.test/f' }, { kind: 'say', text: 'the report https://media.test/hs.test/f/r.pdf' }],
    ['an encrypted file', { msgtype: 'm.file', body: 'secret.txt' }, { kind: 'say', text: 'secret.txt (an encrypted or unreadable file the bridge cannot link to)' }],
    ['a location', { msgtype: 'm.location', body: 'Here', geo_uri: 'geo:51.5,0.1' }, { kind: 'say', text: 'Here geo:51.5,0.1' }],
    ['an unknown msgtype', { msgtype: 'org.example.custom', body: 'fallback' }, { kind: 'say', text: 'fallback' }],
  ])('%s', (_what, content, expected) => {
    expect(render(content)).toEqual(expected);
  });

  it('writes inline code and strikethrough as markers unless the network sends their codes', () => {
    const content = { body: 'x', format: 'org.matrix.custom.html', formatted_body: '<code>ls</code> <del>rm</del>' } as Partial<MessageContent>;
    expect(render(content)).toEqual({ kind: 'say', text: '`ls` ~~rm~~' });
    expect(render(content, 'm.room.message', { ...ctx, codes: { monospace: true, strikethrough: true } })).toEqual({ kind: 'say', text: '\x11ls\x11 \x1erm' });
  });

  it('renders a sticker as a link', () => {
    expect(render({ body: 'thumbs up', url: 'mxc://hs.test/s', info: {} } as Partial<MessageContent>, 'm.sticker'))
      .toEqual({ kind: 'say', text: 'sent a sticker: thumbs up https://media.test/hs.test/s/sticker' });
  });

  it('quotes the replied-to message shortly and strips the reply fallback', () => {
    expect(render({ body: '> <@carol:hs> the quick brown fox\n\nindeed', 'm.relates_to': { 'm.in_reply_to': { event_id: '$known' } } }))
      .toEqual({ kind: 'say', text: 'carol: "the quick brown fox…" <- indeed' });
    expect(render({
      body: 'x', format: 'org.matrix.custom.html', formatted_body: '<mx-reply><blockquote>old</blockquote></mx-reply>indeed',
      'm.relates_to': { 'm.in_reply_to': { event_id: '$known' } },
    })).toEqual({ kind: 'say', text: 'carol: "the quick brown fox…" <- indeed' });
  });

  it('says what the sender said apart from the reply quote, so a reply to this reply quotes their words', () => {
    const reply = full({ body: '> <@carol:hs> the quick brown fox\n\nindeed', 'm.relates_to': { 'm.in_reply_to': { event_id: '$known' } } });
    expect(reply).toEqual({ kind: 'say', text: 'carol: "the quick brown fox…" <- indeed', said: 'indeed' });
    const html = full({
      body: 'x', format: 'org.matrix.custom.html', formatted_body: '<mx-reply><blockquote>old</blockquote></mx-reply><b>indeed</b>',
      'm.relates_to': { 'm.in_reply_to': { event_id: '$known' } },
    });
    expect(html?.said).toBe('\x02indeed');
    expect(full({ body: 'plain' })?.said).toBe('plain');
    expect(full({ body: '* fixed', 'm.new_content': { msgtype: 'm.text', body: 'fixed' }, 'm.relates_to': { rel_type: 'm.replace', event_id: '$e' } })?.said).toBe('fixed');
  });

  it('sends a reply to an unknown message without a quote', () => {
    expect(render({ body: 'sure', 'm.relates_to': { 'm.in_reply_to': { event_id: '$unknown' } } })).toEqual({ kind: 'say', text: 'sure' });
  });

  it('renders an edit from the new content with the edit template', () => {
    expect(render({ body: '* fixed', 'm.new_content': { msgtype: 'm.emote', body: 'fixed' }, 'm.relates_to': { rel_type: 'm.replace', event_id: '$e' } }))
      .toEqual({ kind: 'action', text: '* fixed' });
  });

  it('keeps hostile line breaks as separate lines for the connection to split (never one raw line)', () => {
    const out = render({ body: 'hi\r\nQUIT :bye\u0000' })!;
    // The text is sent as PRIVMSG lines by IrcConnection, which strips CR/NUL per line.
    expect(out.text.split('\n')).toHaveLength(2);
  });
});

describe('fill', () => {
  it('treats $ in values literally and leaves unknown variables', () => {
    expect(fill('$NICK: $REPLY $OTHER', { NICK: "$& $1 $'", REPLY: 'ok' })).toBe("$& $1 $': ok $OTHER");
  });
});

describe('shorten', () => {
  it.each([['short', 10, 'short'], ['exactly ten', 11, 'exactly ten'], ['a long sentence here', 8, 'a long…'], ['😀😀😀😀', 3, '😀😀…']])('%s / %d', (text, max, expected) => {
    expect(shorten(text, max)).toBe(expected);
  });
});

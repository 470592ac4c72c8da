/**
 * Long messages: past the configured number of IRC lines, the full text goes to the media
 * repository and IRC gets one line — the start of the message and a link — instead of a flood.
 */
import { stripMirc } from '../../format/mirc';
import { splitMessage } from '../../format/split';

/** How many IRC lines `text` takes when sent to `target` (each '\n' line split at the byte limit). */
export function ircLineCount(text: string, target: string, prefixLength: number, action: boolean): number {
  return splitMessage(text, { target, prefixLength, action }).length;
}

/** The one line sent instead of a paste. */
export function pasteNotice(text: string, link: string, lines: number): string {
  const first = stripMirc(text.split('\n').find((l) => l.trim()) ?? '').trim();
  const start = Array.from(first).length > 120 ? `${Array.from(first).slice(0, 119).join('')}…` : first;
  return `${start}${start ? ' ' : ''}(long message, ${lines} lines: ${link})`;
}

/** The paste file's contents: plain text, formatting codes removed. */
export function pasteText(text: string): Buffer {
  return Buffer.from(`${stripMirc(text)}\n`, 'utf8');
}

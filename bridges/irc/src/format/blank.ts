/**
 * Whether text would show as nothing on IRC. One definition for the whole message (nothing to
 * send: the sender is told) and for each line of it (a blank line is not sent), so "   ", "\n\n",
 * a lone no-break space and a lone zero-width space are all treated alike.
 *
 * Blank: Unicode White_Space (spaces, tabs, line breaks, NBSP, ideographic space), control
 * characters, Default_Ignorable_Code_Point (zero-width space/joiners, word joiner, BOM, soft
 * hyphen, variation selectors, Hangul fillers), the blank Braille pattern U+2800 (a common
 * "invisible" character), and mIRC formatting codes, which show nothing by themselves.
 */
import { stripMirc } from './mirc';

const BLANK = /^[\s\p{Cc}\p{Default_Ignorable_Code_Point}\u2800]*$/u;

export function isBlank(text: string): boolean {
  return BLANK.test(stripMirc(text));
}

/**
 * Where a byte string is valid UTF-8 and where it is not, so an IRC line from an old client can
 * be decoded piece by piece: the valid runs as UTF-8, only the invalid bytes with the fallback
 * encoding. One stray Latin-1 byte must not turn the emoji next to it into mojibake.
 *
 * Validity follows the Unicode standard's table of well-formed byte sequences (Table 3-7):
 * overlong forms (C0, C1, E0 80..9F, F0 80..8F), UTF-16 surrogates (ED A0..BF), code points
 * past U+10FFFF (F4 90.., F5..FF), lone continuation bytes and sequences cut short are invalid.
 */

/** A run of bytes `[start, end)` that is either all valid UTF-8 or all invalid. */
export interface Utf8Run {
  valid: boolean;
  start: number;
  end: number;
}

const isContinuation = (byte: number | undefined): boolean => byte !== undefined && byte >= 0x80 && byte <= 0xbf;

/**
 * Length of the well-formed UTF-8 sequence starting at `at`, or 0 when the byte there does not
 * start one. Only the second byte's range depends on the lead byte; the rest are 80..BF.
 */
export function wellFormedLength(bytes: Uint8Array, at: number): number {
  const lead = bytes[at] as number;
  if (lead < 0x80) return 1;
  let length: number;
  let low = 0x80;
  let high = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) length = 2;
  else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead === 0xe0) low = 0xa0; // below: overlong
    if (lead === 0xed) high = 0x9f; // above: surrogates D800..DFFF
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead === 0xf0) low = 0x90; // below: overlong
    if (lead === 0xf4) high = 0x8f; // above: past U+10FFFF
  } else return 0; // 80..C1 (continuation, overlong lead), F5..FF
  const second = bytes[at + 1];
  if (second === undefined || second < low || second > high) return 0;
  for (let i = 2; i < length; i++) if (!isContinuation(bytes[at + i])) return 0;
  return length;
}

/**
 * Splits `bytes` into alternating valid and invalid runs, in order, covering every byte.
 * Stepping one byte past an invalid lead is enough: the bytes of a cut-short sequence after its
 * lead are continuation bytes, which start nothing, so they join the same invalid run.
 */
export function utf8Runs(bytes: Uint8Array): Utf8Run[] {
  const runs: Utf8Run[] = [];
  const push = (valid: boolean, start: number, end: number) => {
    const last = runs[runs.length - 1];
    if (last && last.valid === valid) last.end = end;
    else runs.push({ valid, start, end });
  };
  let i = 0;
  while (i < bytes.length) {
    const length = wellFormedLength(bytes, i);
    if (length > 0) {
      push(true, i, i + length);
      i += length;
    } else {
      push(false, i, i + 1);
      i++;
    }
  }
  return runs;
}

/**
 * The mIRC colour palette, as documented on modern.ircdocs.horse: 0-15 are the classic colours
 * every client knows, 16-98 the extended palette (a hue ring in six brightness steps plus a
 * grey ramp), 99 means "the client's default".
 */

const PALETTE: readonly string[] = [
  // 0-15
  'ffffff', '000000', '00007f', '009300', 'ff0000', '7f0000', '9c009c', 'fc7f00',
  'ffff00', '00fc00', '009393', '00ffff', '0000fc', 'ff00ff', '7f7f7f', 'd2d2d2',
  // 16-27
  '470000', '472100', '474700', '324700', '004700', '00472c', '004747', '002747', '000047', '2e0047', '470047', '47002a',
  // 28-39
  '740000', '743a00', '747400', '517400', '007400', '007449', '007474', '004074', '000074', '4b0074', '740074', '740045',
  // 40-51
  'b50000', 'b56300', 'b5b500', '7db500', '00b500', '00b571', '00b5b5', '0063b5', '0000b5', '7500b5', 'b500b5', 'b5006b',
  // 52-63
  'ff0000', 'ff8c00', 'ffff00', 'b2ff00', '00ff00', '00ffa0', '00ffff', '008cff', '0000ff', 'a500ff', 'ff00ff', 'ff0098',
  // 64-75
  'ff5959', 'ffb459', 'ffff71', 'cfff60', '6fff6f', '65ffc9', '6dffff', '59b4ff', '5959ff', 'c459ff', 'ff66ff', 'ff59bc',
  // 76-87
  'ff9c9c', 'ffd39c', 'ffff9c', 'e2ff9c', '9cff9c', '9cffdb', '9cffff', '9cd3ff', '9c9cff', 'dc9cff', 'ff9cff', 'ff94d3',
  // 88-98
  '000000', '131313', '282828', '363636', '4d4d4d', '656565', '818181', '9f9f9f', 'bcbcbc', 'e2e2e2', 'ffffff',
];

/** `#rrggbb` for a palette index 0-98; undefined for 99 ("default") and anything else. */
export function mircColourHex(index: number): string | undefined {
  const hex = PALETTE[index];
  return hex === undefined ? undefined : `#${hex}`;
}

function rgb(hex: string): [number, number, number] {
  const n = parseInt(hex, 16);
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

const CSS_NAMES: Record<string, string> = {
  white: 'ffffff', black: '000000', red: 'ff0000', green: '008000', lime: '00ff00', blue: '0000ff',
  yellow: 'ffff00', cyan: '00ffff', aqua: '00ffff', magenta: 'ff00ff', fuchsia: 'ff00ff', gray: '808080',
  grey: '808080', silver: 'c0c0c0', maroon: '800000', navy: '000080', olive: '808000', purple: '800080',
  teal: '008080', orange: 'ffa500', pink: 'ffc0cb', brown: 'a52a2a',
};

/** Parses `#rgb`, `#rrggbb` or a basic CSS colour name; undefined for anything else. */
export function parseCssColour(value: string): [number, number, number] | undefined {
  const v = value.trim().toLowerCase();
  const named = CSS_NAMES[v];
  if (named) return rgb(named);
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/.exec(v);
  if (short) return rgb(`${short[1]}${short[1]}${short[2]}${short[2]}${short[3]}${short[3]}`);
  const long = /^#([0-9a-f]{6})$/.exec(v);
  return long ? rgb(long[1] as string) : undefined;
}

/**
 * The nearest of the 16 classic colours (the only ones every IRC client renders), by a
 * perceptually weighted RGB distance ("redmean"), so that e.g. a dark orange maps to orange
 * rather than red.
 */
export function nearestBasicColour(colour: [number, number, number]): number {
  let best = 0;
  let bestDistance = Infinity;
  for (let i = 0; i < 16; i++) {
    const [r2, g2, b2] = rgb(PALETTE[i] as string);
    const [r1, g1, b1] = colour;
    const rMean = (r1 + r2) / 2;
    const dr = r1 - r2;
    const dg = g1 - g2;
    const db = b1 - b2;
    const distance = (2 + rMean / 256) * dr * dr + 4 * dg * dg + (2 + (255 - rMean) / 256) * db * db;
    if (distance < bestDistance) {
      bestDistance = distance;
      best = i;
    }
  }
  return best;
}

/**
 * How wide a line of text is, without a browser: the advance widths of DejaVu Sans and
 * DejaVu Sans Bold (the pictures' first font), read once from the font files' hmtx tables,
 * in thousandths of an em, rounded up. A character outside the table counts a full em.
 * The layout (machine-svg.ts and its parts) places labels with these numbers, and the
 * overlap test checks the result with the same numbers — so "no two labels overlap" is a
 * statement about this font, deterministic on every platform.
 */

/** The characters the table covers, in the order of the advance lists below. */
const CHARS = ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~→←↑↓·✕…—–≈✓◯○●↺×⚠│├└─';

const REGULAR = [318, 401, 460, 838, 637, 951, 780, 275, 391, 391, 500, 838, 318, 361, 318, 337, 637, 637, 637, 637, 637, 637, 637, 637, 637, 637, 337, 337, 838, 838, 838, 531, 1000, 685, 687, 699, 771, 632, 576, 775, 752, 295, 295, 656, 558, 863, 749, 788, 604, 788, 695, 635, 611, 732, 685, 989, 686, 611, 686, 391, 337, 391, 838, 500, 500, 613, 635, 550, 635, 616, 353, 635, 634, 278, 278, 580, 278, 975, 634, 612, 635, 635, 412, 521, 393, 634, 592, 818, 592, 592, 525, 637, 337, 637, 838, 838, 838, 838, 838, 318, 838, 1000, 1000, 500, 838, 838, 1120, 873, 873, 838, 838, 897, 603, 603, 603, 603];

const BOLD = [349, 457, 521, 838, 696, 1002, 873, 307, 458, 458, 523, 838, 380, 416, 380, 366, 696, 696, 696, 696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 581, 1000, 774, 763, 734, 831, 684, 684, 821, 837, 373, 373, 775, 638, 996, 837, 851, 733, 851, 771, 721, 683, 813, 774, 1104, 771, 725, 726, 458, 366, 458, 838, 500, 500, 675, 716, 593, 716, 679, 436, 716, 712, 343, 343, 666, 343, 1042, 712, 688, 716, 716, 494, 596, 479, 712, 652, 924, 646, 652, 583, 712, 366, 712, 838, 838, 838, 838, 838, 380, 838, 1000, 1000, 500, 838, 838, 1120, 873, 873, 838, 838, 897, 603, 603, 603, 603];

/** The width in px of `s` set in `size` px DejaVu Sans (bold when `bold`). */
export function textWidth(s: string, size: number, bold = false): number {
  const table = bold ? BOLD : REGULAR;
  let units = 0;
  for (const c of s) {
    const i = CHARS.indexOf(c);
    units += i < 0 ? 1000 : table[i]!;
  }
  return (units * size) / 1000;
}

/** How far a line reaches above its baseline and below it (DejaVu Sans: ascent 0.76 em, descent 0.24 em). */
export const ASCENT = 0.76;
export const DESCENT = 0.24;

/** Split `s` at spaces into lines no wider than `maxW` (a word longer than that gets a line of its own). */
export function wrapText(s: string, size: number, maxW: number, bold = false): string[] {
  const out: string[] = [];
  let cur = '';
  for (const word of s.split(' ')) {
    const next = cur === '' ? word : `${cur} ${word}`;
    if (cur !== '' && textWidth(next, size, bold) > maxW) {
      out.push(cur);
      cur = word;
    } else cur = next;
  }
  if (cur !== '' || out.length === 0) out.push(cur);
  return out;
}

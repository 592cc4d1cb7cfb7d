/**
 * The address axes of a domain panel: a broken axis on one scale.
 *
 * The ranges to show (mappings, the page of each fault) are gathered into clusters: a range
 * joins the cluster before it when the gap between them is no longer than the larger of the
 * two, so nearby ranges keep their true spacing; a longer gap is cut out and drawn as a
 * break mark (⫽). Both bars of a panel — IOVA and host PA — use ONE scale (px per byte), so
 * a mapping is as wide on the PA bar as on the IOVA bar and never fans out; the scale is the
 * largest that fits both bars, but the whole bar never stands for fewer than BAR_SPAN_MIN
 * bytes (so one 4 KiB mapping does not fill it). A cluster narrower than MIN_W px is drawn MIN_W
 * wide, which the panel says.
 *
 * Pure arithmetic on bigints and numbers.
 */

export interface Segment {
  readonly lo: bigint;
  readonly hi: bigint;
  /** Left edge of the drawn segment, px (its range starts PAD px further right). */
  readonly x: number;
  readonly w: number;
}

export interface Axis {
  readonly segments: readonly Segment[];
  /** Where address `v` is drawn (v inside a segment, or at its edge). */
  readonly at: (v: bigint) => number;
  /** The right end of the last segment. */
  readonly end: number;
}

export const PAD = 5;
export const BREAK_W = 16;
export const MIN_W = 4;
/** The whole bar stands for at least this many bytes (32 KiB). */
export const BAR_SPAN_MIN = 0x8000;

type Range = readonly [bigint, bigint];

/** Ranges sorted and joined into clusters (see the opening comment). */
export function clusters(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].filter(([a, b]) => b > a).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const out: Array<[bigint, bigint]> = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined) {
      const gap = a - last[1];
      const big = last[1] - last[0] > b - a ? last[1] - last[0] : b - a;
      if (gap <= big) {
        if (b > last[1]) last[1] = b;
        continue;
      }
    }
    out.push([a, b]);
  }
  return out;
}

/** The largest px-per-byte at which `spans` (bytes) fit in `width` px with their pads and breaks. */
export function fitScale(spans: readonly number[], width: number): number {
  if (spans.length === 0) return Infinity;
  let avail = width - spans.length * 2 * PAD - (spans.length - 1) * BREAK_W;
  let rest = [...spans].sort((a, b) => a - b);
  for (;;) {
    const total = rest.reduce((s, v) => s + v, 0);
    const s = total === 0 ? Infinity : avail / total;
    const small = rest.filter((v) => v * s < MIN_W);
    if (small.length === 0 || small.length === rest.length) return Math.max(s, 0);
    avail -= small.length * MIN_W;
    rest = rest.filter((v) => v * s >= MIN_W);
  }
}

/** Lay `cs` out from `x0` at `scale` px per byte. */
export function layAxis(cs: readonly Range[], x0: number, scale: number): Axis {
  const segments: Segment[] = [];
  let x = x0;
  for (const [lo, hi] of cs) {
    const w = Math.max(MIN_W, Number(hi - lo) * scale) + 2 * PAD;
    segments.push({ lo, hi, x, w });
    x += w + BREAK_W;
  }
  const at = (v: bigint): number => {
    const s = segments.find((g) => v <= g.hi) ?? segments[segments.length - 1];
    if (s === undefined) return x0;
    if (v <= s.lo) return s.x + PAD;
    const inner = s.w - 2 * PAD;
    return s.x + PAD + (Number(v - s.lo) / Number(s.hi - s.lo)) * inner;
  };
  return { segments, at, end: segments.length === 0 ? x0 : x - BREAK_W };
}

/** One scale for several axes that must all fit `width`, capped so the bar spans ≥ BAR_SPAN_MIN bytes. */
export function sharedScale(all: ReadonlyArray<readonly Range[]>, width: number): number {
  const s = Math.min(...all.map((cs) => fitScale(cs.map(([a, b]) => Number(b - a)), width)));
  return Math.min(s, width / BAR_SPAN_MIN);
}

const UNITS: ReadonlyArray<readonly [number, string]> = [[0x1000, '4 KiB'], [0x10000, '64 KiB'], [0x100000, '1 MiB'], [0x1000000, '16 MiB'], [0x10000000, '256 MiB'], [0x40000000, '1 GiB'], [0x1000000000, '64 GiB']];

/** "4 KiB = 31 px": the smallest of a few round sizes that is at least 8 px at `scale`. */
export function scaleText(scale: number): string {
  const [n, name] = UNITS.find(([b]) => b * scale >= 8) ?? UNITS[UNITS.length - 1]!;
  const px = n * scale;
  return `${name} = ${px >= 10 ? Math.round(px) : px.toFixed(1)} px`;
}

/**
 * A minimal SVG writer: elements as strings, attributes escaped, numbers rounded so the
 * output is byte-stable across runs and platforms. No dependencies.
 */
export type Attrs = Record<string, string | number | undefined>;

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const num = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(1));

function attrs(a: Attrs): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? num(v) : esc(v!)}"`)
    .join('');
}

export function el(tag: string, a: Attrs, children?: string | readonly string[]): string {
  if (children === undefined) return `<${tag}${attrs(a)}/>`;
  const body = typeof children === 'string' ? children : children.join('');
  return `<${tag}${attrs(a)}>${body}</${tag}>`;
}

export function text(x: number, y: number, s: string, a: Attrs = {}): string {
  return el('text', { x, y, ...a }, esc(s));
}

export function rect(x: number, y: number, w: number, h: number, a: Attrs = {}): string {
  return el('rect', { x, y, width: Math.max(0, w), height: Math.max(0, h), ...a });
}

export function line(x1: number, y1: number, x2: number, y2: number, a: Attrs = {}): string {
  return el('line', { x1, y1, x2, y2, ...a });
}

export function polygon(points: ReadonlyArray<readonly [number, number]>, a: Attrs = {}): string {
  return el('polygon', { points: points.map(([x, y]) => `${num(x)},${num(y)}`).join(' '), ...a });
}

/** A whole document with a white background and the default font. */
export function svgDoc(width: number, height: number, body: readonly string[], title: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(height)}" viewBox="0 0 ${num(width)} ${num(height)}" font-family="DejaVu Sans, Verdana, sans-serif" font-size="12">`,
    el('title', {}, esc(title)),
    rect(0, 0, width, height, { fill: '#ffffff' }),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** Stable pastel colours per IOMMU group id: fill, stroke, text. */
export function groupColor(id: number): { fill: string; stroke: string; ink: string } {
  const h = (id * 47 + 200) % 360;
  return { fill: `hsl(${h}, 70%, 93%)`, stroke: `hsl(${h}, 45%, 48%)`, ink: `hsl(${h}, 60%, 28%)` };
}

export const RED = '#d32f2f';
export const RED_FILL = '#fdecea';

/** 0x1000 → "4 KiB". */
export function sizeText(n: bigint): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (i < units.length - 1 && v >= 1024n && v % 1024n === 0n) {
    v /= 1024n;
    i++;
  }
  return `${v} ${units[i]}`;
}

export const hx = (v: bigint): string => `0x${v.toString(16)}`;

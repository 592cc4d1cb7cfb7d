/**
 * The text of one of our SVG pictures as boxes: each <text>'s content measured with the
 * DejaVu Sans advance table (src/tools/pictures/measure.ts), placed by its x, y and
 * text-anchor, ascent above and descent below the baseline. And the problems a reader
 * would see: two labels covering each other, text off the canvas, text cut short with '…',
 * text running out of the box it starts in (a rect whose area holds its anchor).
 * Works on the strings our svg.ts writes (one element per tag, attributes in double quotes).
 */
import { ASCENT, DESCENT, textWidth } from '../../src/tools/pictures/measure.js';

export interface Box {
  readonly text: string;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

interface RectBox {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

const unescape = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');

function attrs(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(/([\w-]+)="([^"]*)"/g)) out[m[1]!] = m[2]!;
  return out;
}

export function canvasOf(svg: string): { width: number; height: number; fontSize: number } {
  const a = attrs(/<svg ([^>]*)>/.exec(svg)![1]!);
  return { width: Number(a.width), height: Number(a.height), fontSize: Number(a['font-size'] ?? 16) };
}

export function textBoxes(svg: string): Box[] {
  const { fontSize } = canvasOf(svg);
  return [...svg.matchAll(/<text ([^>]*)>([^<]*)<\/text>/g)].map((m) => {
    const a = attrs(m[1]!);
    const t = unescape(m[2]!);
    const size = Number(a['font-size'] ?? fontSize);
    const w = textWidth(t, size, a['font-weight'] === 'bold');
    const x = Number(a.x);
    const y = Number(a.y);
    const left = a['text-anchor'] === 'end' ? x - w : a['text-anchor'] === 'middle' ? x - w / 2 : x;
    return { text: t, left, right: left + w, top: y - ASCENT * size, bottom: y + DESCENT * size };
  });
}

function rects(svg: string): RectBox[] {
  return [...svg.matchAll(/<rect ([^>]*)\/>/g)].map((m) => {
    const a = attrs(m[1]!);
    const x = Number(a.x);
    const y = Number(a.y);
    return { left: x, right: x + Number(a.width), top: y, bottom: y + Number(a.height) };
  });
}

const EPS = 0.5;
const meets = (a: RectBox, b: RectBox): boolean => a.left < b.right - EPS && b.left < a.right - EPS && a.top < b.bottom - EPS && b.top < a.bottom - EPS;

/** Everything wrong with the text of `svg`, one line each (empty: nothing). */
export function textProblems(svg: string): string[] {
  const { width, height } = canvasOf(svg);
  const boxes = textBoxes(svg);
  const out: string[] = [];
  const show = (b: Box): string => `"${b.text}" [${b.left.toFixed(1)}..${b.right.toFixed(1)} × ${b.top.toFixed(1)}..${b.bottom.toFixed(1)}]`;
  boxes.forEach((a, i) => {
    if (a.left < 0 || a.top < 0 || a.right > width || a.bottom > height) out.push(`off the ${width}×${height} canvas: ${show(a)}`);
    if (a.text.endsWith('…') || a.text.endsWith('...')) out.push(`cut short: ${show(a)}`);
    for (const b of boxes.slice(i + 1)) if (meets(a, b)) out.push(`overlap: ${show(a)} and ${show(b)}`);
  });
  // a label that starts inside a box (not the background) must end inside it
  const boxesIn = rects(svg).filter((r) => !(r.left === 0 && r.top === 0 && r.right === width));
  for (const b of boxes) {
    const ax = b.left + 1;
    const ay = (b.top + b.bottom) / 2;
    const holders = boxesIn.filter((r) => ax >= r.left && ax <= r.right && ay >= r.top && ay <= r.bottom);
    const inner = holders.sort((p, q) => (p.right - p.left) * (p.bottom - p.top) - (q.right - q.left) * (q.bottom - q.top))[0];
    if (inner !== undefined && (b.right > inner.right + EPS || b.top < inner.top - EPS || b.bottom > inner.bottom + EPS)) out.push(`runs out of its box [${inner.left}..${inner.right} × ${inner.top}..${inner.bottom}]: ${show(b)}`);
  }
  return out;
}

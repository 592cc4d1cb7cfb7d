/**
 * One IOMMU address space in the machine picture: its mappings as bars over the IOVA axis
 * joined to the host physical pages they land on, and the faults of its devices as red
 * marks. Both axes are broken axes on one scale (axis.ts), labels sit in lanes (lanes.ts),
 * so a label never covers another however close the addresses are.
 *
 * Layout, top to bottom: title, "translates for", the scale line, IOVA labels (mappings and
 * faults), the IOVA bar, the joining bands, the PA bar, the PA labels.
 */
import type { FaultRecord } from '../../hardware/iommu/faults.js';
import type { DomainSnap, MappingSnap } from '../report/state.js';
import { clusters, layAxis, MIN_W, scaleText, sharedScale, type Axis } from './axis.js';
import { laneCount, placeInLanes, type LaneLabel, type Placed } from './lanes.js';
import { textWidth, wrapText } from './measure.js';
import { groupColor, hx, line, polygon, rect, RED, sizeText, text } from './svg.js';

export interface Panel {
  readonly svg: string[];
  /** The y just below the panel. */
  readonly y: number;
}

const LANE_H = 12;
const BAR_H = 14;
const FAN_H = 44;
const LABEL_W = 50;
/** At most this many mappings are labelled (the rest are said to be there). */
const MAX_LABELLED = 12;
const PAGE = 0x1000n;

const shortBdf = (b: string): string => (b.startsWith('0000:') ? b.slice(5) : b);
const pageOf = (v: bigint): bigint => v & ~(PAGE - 1n);

/** The faults of the domain's devices, one per (access, page), newest last, at most 6. */
function panelFaults(faults: readonly FaultRecord[], d: DomainSnap): FaultRecord[] {
  const seen = new Set<string>();
  const out: FaultRecord[] = [];
  for (const f of faults) {
    if (!d.devices.includes(f.source)) continue;
    const key = `${f.access} ${pageOf(f.iova)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(f);
  }
  return out.slice(-6);
}

interface Axes {
  readonly iova: Axis;
  readonly pa: Axis;
  readonly note: string | null;
}

function axes(d: DomainSnap, faults: readonly FaultRecord[], bx: number, bw: number): Axes {
  const iovaRanges = [...d.mappings.map((m) => [m.iova, m.iova + m.size] as const), ...faults.map((f) => [pageOf(f.iova), pageOf(f.iova) + PAGE] as const)];
  const ic = clusters(iovaRanges);
  const pc = clusters(d.mappings.map((m) => [m.pa, m.pa + m.size] as const));
  if (ic.length === 0) return { iova: layAxis([], bx, 1), pa: layAxis([], bx, 1), note: null };
  const scale = sharedScale(pc.length > 0 ? [ic, pc] : [ic], bw);
  const iova = layAxis(ic, bx, scale);
  const pa = layAxis(pc, bx, scale);
  const cut = iova.segments.length > 1 || pa.segments.length > 1 ? ' · // = a gap cut out' : '';
  const slim = [...iova.segments, ...pa.segments].some((s) => Number(s.hi - s.lo) * scale < MIN_W) ? ` · ranges under ${MIN_W} px drawn ${MIN_W} px wide` : '';
  return { iova, pa, note: `both bars to one scale, ${scaleText(scale)}${cut}${slim}` };
}

/** The grey bar of an axis: one box per segment, a break mark between segments. */
function bar(a: Axis, y: number, bx: number, bw: number): string[] {
  if (a.segments.length === 0) return [rect(bx, y, bw, BAR_H, { fill: '#fafafa', stroke: '#9e9e9e' })];
  const out: string[] = [];
  a.segments.forEach((s, i) => {
    out.push(rect(s.x, y, s.w, BAR_H, { fill: '#fafafa', stroke: '#9e9e9e' }));
    if (i > 0) {
      const m = s.x - 8;
      for (const dx of [-3, 2]) out.push(line(m + dx - 2, y + BAR_H + 2, m + dx + 2, y - 2, { stroke: '#757575', 'stroke-width': 1.5 }));
    }
  });
  return out;
}

function prot(m: MappingSnap): string {
  return `${m.read ? 'r' : '-'}${m.write ? 'w' : '-'}`;
}

function laneText(p: Placed, y: number, fill: string, extra: Record<string, string | number> = {}): string {
  return text(p.left, y, p.label.text, { 'font-size': p.label.size, fill, ...(p.label.bold ? { 'font-weight': 'bold' } : {}), ...extra });
}

type Colour = ReturnType<typeof groupColor>;

/** Title, "translates for" and the scale line; returns the baseline of the last one. */
function heading(d: DomainSnap, note: string | null, col: Colour, x0: number, width: number, y0: number, out: string[]): number {
  out.push(text(x0, y0, `domain ${d.id} (${d.type})${d.owner ? ` of ${d.owner}` : ''}`, { 'font-weight': 'bold', fill: col.ink }));
  const devs = d.devices.map(shortBdf).join(', ') || 'no device attached';
  let y = y0;
  for (const l of wrapText(`translates for ${devs}${d.groups.length ? ` (group ${d.groups.join(', ')})` : ''}`, 11, width)) out.push(text(x0, (y += 15), l, { 'font-size': 11, fill: '#424242' }));
  if (note !== null) for (const l of wrapText(note, 9, width)) out.push(text(x0, (y += 12), l, { 'font-size': 9, fill: '#757575', 'font-style': 'italic' }));
  return y;
}

/** The labels over the IOVA bar: faults first (nearest the bar), then the mappings. */
function iovaLabels(d: DomainSnap, faults: readonly FaultRecord[], shown: readonly MappingSnap[], ax: Axes, bx: number, bw: number): Placed[] {
  const above: LaneLabel[] = [
    // the ✕ stands over the fault's red mark
    ...faults.map((f): LaneLabel => ({ text: `✕ ${f.access} ${hx(f.iova)}`, x: ax.iova.at(f.iova) - textWidth('✕', 10, true) / 2, size: 10, bold: true, anchor: 'start' })),
    ...shown.map((m): LaneLabel => ({ text: `${hx(m.iova)} +${sizeText(m.size)} ${prot(m)}`, x: ax.iova.at(m.iova), size: 9, anchor: 'start' })),
  ];
  if (d.mappings.length > shown.length) above.push({ text: `(${d.mappings.length - shown.length} more mappings not labelled)`, x: bx + bw, size: 9, anchor: 'end' });
  return placeInLanes(above, bx, bx + bw);
}

/** Each mapping: its IOVA range, its PA range, the band joining them. */
function mappingBands(d: DomainSnap, ax: Axes, iy: number, py: number, col: Colour): string[] {
  const out: string[] = [];
  for (const m of d.mappings) {
    const a = ax.iova.at(m.iova);
    const b = Math.max(ax.iova.at(m.iova + m.size), a + 2);
    const c = ax.pa.at(m.pa);
    const e = Math.max(ax.pa.at(m.pa + m.size), c + 2);
    out.push(polygon([[a, iy + BAR_H], [b, iy + BAR_H], [e, py], [c, py]], { fill: col.stroke, 'fill-opacity': 0.18, stroke: col.stroke, 'stroke-opacity': 0.5 }));
    out.push(rect(a, iy, b - a, BAR_H, { fill: col.stroke }), rect(c, py, e - c, BAR_H, { fill: col.stroke }));
  }
  return out;
}

/** The panel of `d` with its top at y0, `x0`…`x0 + width` wide. */
export function domainPanel(d: DomainSnap, allFaults: readonly FaultRecord[], x0: number, width: number, y0: number): Panel {
  const out: string[] = [];
  const col = d.groups.length > 0 ? groupColor(d.groups[0]!) : { fill: '#e3f2fd', stroke: '#1565c0', ink: '#0d47a1' };
  const faults = panelFaults(allFaults, d);
  const bx = x0 + LABEL_W;
  const bw = width - LABEL_W - 4;
  const ax = axes(d, faults, bx, bw);
  const y = heading(d, ax.note, col, x0, width, y0, out);
  const shown = d.mappings.slice(0, MAX_LABELLED);
  const up = iovaLabels(d, faults, shown, ax, bx, bw);
  const iy = y + 8 + laneCount(up) * LANE_H;
  up.forEach((p, i) => out.push(laneText(p, iy - 3 - p.lane * LANE_H, i < faults.length ? RED : col.ink)));
  const py = iy + BAR_H + FAN_H;
  out.push(text(x0, iy + 11, 'IOVA', { 'font-size': 10, fill: '#616161' }), text(x0, py + 11, 'host PA', { 'font-size': 10, fill: '#616161' }));
  out.push(...bar(ax.iova, iy, bx, bw), ...bar(ax.pa, py, bx, bw));
  if (d.mappings.length === 0) out.push(text(bx, iy + BAR_H + 26, 'no mappings: every DMA through this domain faults', { 'font-size': 11, fill: '#757575', 'font-style': 'italic' }));
  out.push(...mappingBands(d, ax, iy, py, col));
  for (const f of faults) out.push(line(ax.iova.at(f.iova), iy - 2, ax.iova.at(f.iova), iy + BAR_H + 5, { stroke: RED, 'stroke-width': 2 }));
  const down = placeInLanes(shown.map((m): LaneLabel => ({ text: `→ ${hx(m.pa)}`, x: ax.pa.at(m.pa), size: 9, anchor: 'start' })), bx, bx + bw);
  down.forEach((p) => out.push(laneText(p, py + BAR_H + 11 + p.lane * LANE_H, col.ink)));
  return { svg: out, y: py + BAR_H + 14 + Math.max(1, laneCount(down)) * LANE_H };
}

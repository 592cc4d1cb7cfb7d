/**
 * The left half of the machine picture: the PCI tree, one row per function, each IOMMU group
 * a coloured band around its rows, ACS on the functions that have the capability (what it
 * offers and what is enabled, apart), the driver; and in red the way each peer-to-peer
 * request went that the IOMMU never saw — up from the requester along the tree to the bus
 * where it turned, down to the function that claimed it — with a ring on the port whose ACS
 * would have sent it upstream instead.
 *
 * The panel is as wide as its longest row needs (measured with measure.ts).
 */
import type { HostState } from '../report/state.js';
import { acsText, type FunctionReport, type GroupReport } from '../report/machine.js';
import { textWidth, wrapText } from './measure.js';
import { el, groupColor, polygon, rect, RED, text } from './svg.js';

export const ROW_H = 24;
export const TOP = 64;
const MIN_W = 600;

const SHORT_TYPE: Record<string, string> = {
  'host-bridge': 'host bridge',
  'root-port': 'root port',
  'switch-upstream': 'switch up',
  'switch-downstream': 'switch down',
  'pcie-to-pci-bridge': 'PCIe→PCI bridge',
  'pci-bridge': 'PCI bridge',
  endpoint: 'endpoint',
  rciep: 'RCiEP',
  rcec: 'RCEC',
  'legacy-endpoint': 'legacy ep',
};
const GREEN = '#2e7d32';
const PORTS: readonly string[] = ['root-port', 'switch-downstream', 'switch-upstream'];

const shortBdf = (b: string): string => (b.startsWith('0000:') ? b.slice(5) : b);
const xOf = (depth: number): number => 20 + depth * 20;
/** The vertical connector under a node at `depth` (its secondary bus). */
const busX = (depth: number): number => xOf(depth) + 4;
const yOf = (row: number): number => TOP + row * ROW_H;

interface Row {
  readonly f: FunctionReport;
  readonly depth: number;
  readonly parent: number | null;
  readonly label: string;
  readonly badge: { readonly text: string; readonly full: boolean } | null;
  readonly driver: string;
  readonly group: number | null;
  /** First row of its group's band (carries the group label). */
  readonly bandHead: boolean;
}

function badgeOf(f: FunctionReport): Row['badge'] {
  const t = acsText(f);
  if (t === null) return PORTS.includes(f.type) ? { text: 'no ACS', full: false } : null;
  return { text: t, full: f.acs !== null && f.acs.length > 0 && (f.acsEnabled ?? []).length === f.acs.length };
}

function rowsOf(s: HostState): Row[] {
  const byBdf = new Map(s.machine.functions.map((f) => [f.bdf, f]));
  const stack: number[] = [];
  const out: Row[] = [];
  s.rows.forEach((r, i) => {
    const f = byBdf.get(r.bdf)!;
    stack.length = r.depth;
    const parent = r.depth > 0 ? stack[r.depth - 1] ?? null : null;
    stack[r.depth] = i;
    const prev = out[i - 1];
    const label = `${shortBdf(f.bdf)}  ${SHORT_TYPE[f.type] ?? f.type}  ${f.model ?? `${f.vendor}:${f.device}`}`;
    out.push({ f, depth: r.depth, parent, label, badge: badgeOf(f), driver: f.driver ?? 'no driver', group: f.group, bandHead: f.group === null || prev?.group !== f.group });
  });
  return out;
}

const badgeW = (b: Row['badge']): number => (b === null ? 0 : textWidth(b.text, 10) + 10);
const driverW = (r: Row): number => textWidth(r.driver, 11, r.f.driver === 'vfio-pci');

function groupLabel(g: number, rep: GroupReport | undefined): string {
  return `group ${g}${rep?.viable === false ? ' · not viable' : ''}${rep?.devNode ? ' · /dev/vfio' : ''}`;
}

/** The width the tree needs: each row's text, badge and driver, and its group label. */
export function treeWidth(s: HostState): number {
  const groups = new Map(s.machine.groups.map((g) => [g.id, g]));
  let w = MIN_W;
  for (const r of rowsOf(s)) {
    const end = xOf(r.depth) + 10 + textWidth(r.label, 12) + 8 + (r.badge ? badgeW(r.badge) + 6 : 0) + driverW(r);
    const tag = r.bandHead && r.group !== null ? 20 + textWidth(groupLabel(r.group, groups.get(r.group)), 11, true) : 0;
    w = Math.max(w, Math.ceil(end + tag + 24));
  }
  return w;
}

function bands(s: HostState, rows: readonly Row[], w: number): string[] {
  const out: string[] = [];
  const groups = new Map(s.machine.groups.map((g) => [g.id, g]));
  rows.forEach((r, i) => {
    if (!r.bandHead || r.group === null) return;
    let j = i + 1;
    while (j < rows.length && !rows[j]!.bandHead) j++;
    const c = groupColor(r.group);
    const rep = groups.get(r.group);
    const y = yOf(i) - 16;
    out.push(rect(8, y, w - 16, (j - i) * ROW_H - 2, { rx: 6, fill: c.fill, stroke: c.stroke, 'stroke-width': 1.2, 'stroke-dasharray': rep?.viable === false ? '5 3' : undefined }));
    out.push(text(w - 16, y + 14, groupLabel(r.group, rep), { 'text-anchor': 'end', 'font-size': 11, 'font-weight': 'bold', fill: c.ink }));
  });
  return out;
}

function rowSvg(r: Row, i: number): string[] {
  const out: string[] = [];
  const x = xOf(r.depth);
  const y = yOf(i);
  if (r.parent !== null) out.push(el('path', { d: `M${busX(r.depth - 1)} ${yOf(r.parent) + 4} V${y - 4} H${x - 2}`, fill: 'none', stroke: '#9e9e9e', 'stroke-width': 1 }));
  const vfio = r.f.driver === 'vfio-pci';
  out.push(rect(x - 2, y - 8, 6, 6, { fill: vfio ? '#1565c0' : '#616161' }), text(x + 10, y, r.label, { fill: '#212121' }));
  let bx = x + 10 + textWidth(r.label, 12) + 8;
  if (r.badge !== null) {
    const w = badgeW(r.badge);
    const [fill, stroke] = r.badge.full ? ['#e8f5e9', '#2e7d32'] : ['#fff3e0', '#e65100'];
    out.push(rect(bx, y - 11, w, 15, { rx: 7, fill, stroke, 'stroke-width': 1 }), text(bx + 5, y, r.badge.text, { 'font-size': 10, fill: stroke }));
    bx += w + 6;
  }
  out.push(text(bx, y, r.driver, { fill: vfio ? '#1565c0' : '#757575', 'font-style': vfio ? 'normal' : 'italic', 'font-weight': vfio ? 'bold' : 'normal', 'font-size': 11 }));
  return out;
}

/** The red way of one P2P request along the tree, from the requester's row to the claimer's. */
function p2pPath(rows: readonly Row[], path: readonly string[]): string[] {
  const idx = (bdf: string): number => rows.findIndex((r) => r.f.bdf === bdf);
  const src = idx(path[0]!);
  const dst = idx(path[path.length - 1]!);
  if (src < 0 || dst < 0) return [];
  const chain = (i: number): number[] => (i < 0 ? [] : [i, ...chain(rows[i]!.parent ?? -1)]);
  const up = chain(src);
  const down = chain(dst);
  const lca = up.find((i) => down.includes(i)) ?? null;
  const upTo = lca === null ? up : up.slice(0, up.indexOf(lca));
  const downFrom = (lca === null ? down : down.slice(0, down.indexOf(lca))).reverse();
  const pts: Array<[number, number]> = [[xOf(rows[src]!.depth) - 2, yOf(src) - 4]];
  upTo.forEach((i, k) => {
    if (k > 0) pts.push([busX(rows[i]!.depth), yOf(i) - 4]);
    pts.push([busX(rows[i]!.depth - 1), yOf(i) - 4]);
  });
  downFrom.forEach((i, k) => {
    if (k > 0) pts.push([busX(rows[downFrom[k - 1]!]!.depth), yOf(downFrom[k - 1]!) - 4]);
    pts.push([busX(rows[i]!.depth - 1), yOf(i) - 4]);
  });
  const ex = xOf(rows[dst]!.depth) - 3;
  const ey = yOf(dst) - 4;
  pts.push([ex - 5, ey]);
  const d = pts.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${x} ${y}`).join(' ');
  return [
    el('path', { d, fill: 'none', stroke: RED, 'stroke-width': 2.5, 'stroke-linejoin': 'round', 'stroke-opacity': 0.85 }),
    polygon([[ex - 6, ey - 4], [ex, ey], [ex - 6, ey + 4]], { fill: RED }),
  ];
}

/** The dashed green way of a request ACS sent up: from the requester up the tree, out to the root complex. */
function upWay(rows: readonly Row[], bdf: string): string[] {
  const src = rows.findIndex((r) => r.f.bdf === bdf);
  if (src < 0) return [];
  const pts: Array<[number, number]> = [[xOf(rows[src]!.depth) - 2, yOf(src) - 4]];
  for (let i: number | null = src, k = 0; i !== null; i = rows[i]!.parent, k++) {
    if (k > 0) pts.push([busX(rows[i]!.depth), yOf(i) - 4]);
    pts.push([busX(rows[i]!.depth - 1), yOf(i) - 4]);
  }
  const top = TOP - 10;
  pts.push([busX(-1), top + 4]);
  const d = pts.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${x} ${y}`).join(' ');
  return [
    el('path', { d, fill: 'none', stroke: GREEN, 'stroke-width': 2, 'stroke-dasharray': '4 3', 'stroke-linejoin': 'round' }),
    polygon([[busX(-1) - 4, top + 5], [busX(-1), top - 1], [busX(-1) + 4, top + 5]], { fill: GREEN }),
  ];
}

function ring(rows: readonly Row[], bdf: string, stroke: string): string[] {
  const i = rows.findIndex((r) => r.f.bdf === bdf);
  if (i < 0) return [];
  return [el('circle', { cx: xOf(rows[i]!.depth) + 1, cy: yOf(i) - 5, r: 7, fill: 'none', stroke, 'stroke-width': 2 })];
}

/** The tree's SVG elements, `w` px wide; returns the y below its legend. */
export function drawTree(s: HostState, w: number): { svg: string[]; y: number } {
  const rows = rowsOf(s);
  const out = [...bands(s, rows, w), ...rows.flatMap(rowSvg)];
  for (const p of s.p2p) out.push(...p2pPath(rows, p.path), ...(p.redirect ? ring(rows, p.redirect.at, RED) : []));
  for (const src of new Set(s.stopped.filter((x) => x.upToIommu).map((x) => x.source))) out.push(...upWay(rows, src));
  for (const at of new Set(s.stopped.map((x) => x.at))) out.push(...ring(rows, at, GREEN));
  const legend: Array<[string, string]> = [
    ['band = IOMMU group (dashed: not viable for VFIO) · blue = bound to vfio-pci', '#757575'],
    ['ACS tag: the controls the capability offers · which of them are enabled (only enabled ones count)', '#757575'],
  ];
  if (s.p2p.length > 0) legend.push(['red arrow = a peer-to-peer request the IOMMU never saw · red ring = the port (or function) whose ACS would have sent it up to the IOMMU', RED]);
  if (s.stopped.length > 0) legend.push(['green ring = a port (or function) whose ACS stopped a request or sent it up to the IOMMU · dashed green arrow = the way up it sent it', GREEN]);
  let y = TOP + rows.length * ROW_H;
  for (const [t, fill] of legend) for (const l of wrapText(t, 10, w - 32)) out.push(text(16, (y += 13), l, { 'font-size': 10, fill }));
  return { svg: out, y: y + 8 };
}

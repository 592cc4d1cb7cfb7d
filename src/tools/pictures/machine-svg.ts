/**
 * The picture of a machine at one moment, as SVG: on the left the PCI tree with every
 * IOMMU group drawn as a coloured band around its functions, ACS on the functions that have
 * it and the way of each peer-to-peer request the IOMMU never saw (tree-svg.ts); on the
 * right the VFIO containers with the groups in them, then the user's IOMMU address spaces
 * (each a domain panel: domain-svg.ts), the faults and escapes in red, and last the DMA
 * domains the kernel keeps for host drivers.
 *
 * Every label is measured (measure.ts) and placed so none covers another; the test in
 * test/pictures/layout.test.ts checks that for every picture the project draws.
 * Pure function of a HostState snapshot; deterministic output (same state, same bytes).
 */
import { formatNs } from '../../base/trace-format.js';
import type { HostState } from '../report/state.js';
import { domainPanel } from './domain-svg.js';
import { textWidth, wrapText } from './measure.js';
import { drawTree, TOP, treeWidth } from './tree-svg.js';
import { groupColor, hx, rect, RED, RED_FILL, svgDoc, text } from './svg.js';

export interface DrawOptions {
  /** A second title line (scenario and step). */
  readonly subtitle?: string;
}

const RIGHT_W = 600;
const GAP = 30;

const shortBdf = (b: string): string => (b.startsWith('0000:') ? b.slice(5) : b);

interface Block {
  readonly svg: string[];
  readonly y: number;
}

function containerBoxes(s: HostState, x0: number, y0: number): Block {
  const out = [text(x0, y0, 'VFIO containers and iommufd', { 'font-weight': 'bold', 'font-size': 14 })];
  let y = y0 + 12;
  if (s.containers.length === 0) {
    out.push(text(x0, y + 14, 'none yet: a group joins a container with VFIO_GROUP_SET_CONTAINER', { fill: '#757575', 'font-style': 'italic' }));
    return { svg: out, y: y + 30 };
  }
  for (const c of s.containers) {
    const what = c.kind === 'iommufd' ? 'devices attached to its page table' : c.backend ?? 'no IOMMU backend yet (VFIO_SET_IOMMU)';
    const title = wrapText(`${c.label} · ${what}${c.dmas.length ? ` · ${c.dmas.length} mapping(s)` : ''}`, 12, RIGHT_W - 20, true);
    const perRow = Math.max(1, Math.floor((RIGHT_W - 20) / 76));
    const chipRows = Math.ceil(c.groups.length / perRow);
    const h = 10 + title.length * 15 + chipRows * 20 + 4;
    out.push(rect(x0, y, RIGHT_W, h, { rx: 6, fill: '#f5f9ff', stroke: '#1565c0' }));
    title.forEach((l, i) => out.push(text(x0 + 10, y + 17 + i * 15, l, { 'font-weight': 'bold', fill: '#0d47a1' })));
    const cy = y + 10 + title.length * 15;
    c.groups.forEach((g, i) => {
      const col = groupColor(g);
      const x = x0 + 10 + (i % perRow) * 76;
      const yy = cy + Math.floor(i / perRow) * 20;
      out.push(rect(x, yy, 70, 16, { rx: 8, fill: col.fill, stroke: col.stroke }), text(x + 35, yy + 12, `group ${g}`, { 'text-anchor': 'middle', 'font-size': 11, fill: col.ink }));
    });
    y += h + 8;
  }
  return { svg: out, y: y + 6 };
}

const GREEN = '#2e7d32';
const GREEN_FILL = '#e8f5e9';

/** A box of whole lines, each wrapped to the box (continuation lines indented). */
function listBox(x0: number, y0: number, title: string, items: readonly string[], ink: string, fill: string, strokeW: number): Block {
  const lines = items.map((t) => wrapText(t, 11, RIGHT_W - 30));
  const n = lines.reduce((k, l) => k + l.length, 0);
  const h = 26 + n * 14 + (lines.length - 1) * 3;
  const out = [rect(x0, y0, RIGHT_W, h, { rx: 6, fill, stroke: ink, 'stroke-width': strokeW })];
  out.push(text(x0 + 10, y0 + 17, title, { 'font-weight': 'bold', fill: ink }));
  let y = y0 + 20;
  for (const l of lines) {
    l.forEach((t, i) => out.push(text(x0 + (i === 0 ? 10 : 20), (y += 14), t, { 'font-size': 11, fill: ink })));
    y += 3;
  }
  return { svg: out, y: y0 + h + 12 };
}

/** The red box: no-IOMMU devices, escapes, faults — every line whole. */
function faultList(s: HostState, x0: number, y0: number): Block {
  if (s.faults.length === 0 && s.unchecked.length === 0 && s.escapes.length === 0) return { svg: [], y: y0 };
  const items: string[] = [
    ...s.unchecked.map((b) => `${shortBdf(b)} is in a no-IOMMU group: its DMA reaches all of host RAM, unchecked`),
    ...s.escapes.slice(-6).map((e) => `ESCAPE ${shortBdf(e.who)}: ${e.text}`),
    ...s.faults.slice(-8).map((f) => `fault ${shortBdf(f.source)} ${f.access} at IOVA ${hx(f.iova)}: ${f.reason}`),
  ];
  if (s.escapes.length > 6) items.push(`… ${s.escapes.length - 6} earlier escape(s) not shown`);
  if (s.faults.length > 8) items.push(`… ${s.faults.length - 8} earlier fault(s) not shown`);
  const title = s.escapes.length > 0 || s.unchecked.length > 0 ? `Isolation broken: ${s.escapes.length} escape(s), ${s.faults.length} fault(s)` : `IOMMU faults (${s.faults.length})`;
  return listBox(x0, y0, title, items, RED, RED_FILL, s.escapes.length > 0 ? 2.5 : 1);
}

/** The green box: what ACS dropped or sent up to the IOMMU instead of to a peer. */
function stoppedList(s: HostState, x0: number, y0: number): Block {
  if (s.stopped.length === 0) return { svg: [], y: y0 };
  const items = s.stopped.slice(-6).map((e) => e.text);
  if (s.stopped.length > 6) items.push(`… ${s.stopped.length - 6} earlier one(s) not shown`);
  return listBox(x0, y0, `Stopped by ACS (${s.stopped.length})`, items, GREEN, GREEN_FILL, 1.5);
}

function domainSection(s: HostState, user: boolean, x0: number, y0: number): Block {
  const ds = s.domains.filter((d) => d.user === user);
  const out: string[] = [];
  let y = y0;
  if (user) {
    out.push(text(x0, y, 'Your IOMMU address spaces (VFIO, iommufd)', { 'font-weight': 'bold', 'font-size': 14 }));
    y += 22;
    if (ds.length === 0) {
      out.push(text(x0, y, s.machine.iommu === 'none' ? 'this machine has no IOMMU' : 'no device translates through a VFIO domain yet', { fill: '#757575', 'font-style': 'italic' }));
      y += 24;
    }
  } else if (ds.length > 0) {
    out.push(text(x0, y, 'The kernel\'s DMA domains (host drivers)', { 'font-weight': 'bold', 'font-size': 14 }));
    y += 22;
  }
  for (const d of ds) {
    const p = domainPanel(d, s.faults, x0, RIGHT_W, y);
    out.push(...p.svg);
    y = p.y + 12;
  }
  return { svg: out, y };
}

/** The SVG picture of `s`. */
export function drawMachine(s: HostState, opts: DrawOptions = {}): string {
  const m = s.machine;
  const title = `${m.name} — IOMMU: ${m.iommu}; grouping: ${m.grouping}`;
  const left = treeWidth(s);
  const rx = left + GAP;
  const subtitle = `${opts.subtitle ? `${opts.subtitle} · ` : ''}t = ${formatNs(s.now)}`;
  const width = Math.ceil(Math.max(rx + RIGHT_W + 20, textWidth(title, 15, true) + 32, textWidth(subtitle, 12) + 32));
  const head = [text(16, 24, title, { 'font-size': 15, 'font-weight': 'bold' }), text(16, 42, subtitle, { 'font-size': 12, fill: '#616161' })];
  const tree = drawTree(s, left);
  const right: string[] = [];
  let y = TOP;
  for (const part of [
    (yy: number) => containerBoxes(s, rx, yy),
    (yy: number) => domainSection(s, true, rx, yy + 10),
    (yy: number) => faultList(s, rx, yy),
    (yy: number) => stoppedList(s, rx, yy),
    (yy: number) => domainSection(s, false, rx, yy + 10),
  ]) {
    const b = part(y);
    right.push(...b.svg);
    y = b.y;
  }
  const height = Math.max(tree.y, y) + 16;
  return svgDoc(width, height, [...head, ...tree.svg, ...right], `${m.name}${opts.subtitle ? ` — ${opts.subtitle}` : ''}`);
}

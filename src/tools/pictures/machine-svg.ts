/**
 * The picture of a machine at one moment, as SVG: on the left the PCI tree with every
 * IOMMU group drawn as a coloured band around its functions and ACS marked on the ports;
 * on the right the VFIO containers with the groups in them, each IOMMU address space's
 * mappings as bars over its IOVA window joined to the host pages they land on, and, in
 * red, IOMMU faults and devices whose DMA nothing checks.
 *
 * Pure function of a HostState snapshot; deterministic output (same state, same bytes).
 */
import type { DomainSnap, HostState } from '../report/state.js';
import type { FunctionReport, GroupReport } from '../report/machine.js';
import { el, groupColor, hx, line, polygon, rect, RED, RED_FILL, sizeText, svgDoc, text } from './svg.js';

export interface DrawOptions {
  /** A second title line (scenario and step). */
  readonly subtitle?: string;
}

const ROW_H = 24;
const TOP = 64;
const LEFT_W = 600;
const RIGHT_X = 630;
const RIGHT_W = 560;
const WIDTH = RIGHT_X + RIGHT_W + 20;

const PORTS = new Set(['root-port', 'switch-downstream', 'switch-upstream']);
const SHORT_TYPE: Record<string, string> = {
  'host-bridge': 'host bridge',
  'root-port': 'root port',
  'switch-upstream': 'switch up',
  'switch-downstream': 'switch down',
  'pcie-to-pci-bridge': 'PCIe→PCI bridge',
  'pci-bridge': 'PCI bridge',
  endpoint: 'endpoint',
  rciep: 'RCiEP',
  'legacy-endpoint': 'legacy ep',
};

const shortBdf = (b: string): string => (b.startsWith('0000:') ? b.slice(5) : b);

function acsBadge(f: FunctionReport, x: number, y: number): { svg: string; w: number } {
  if (f.acs === null && !PORTS.has(f.type)) return { svg: '', w: 0 };
  const on = f.acsEnabled ?? [];
  const off = (f.acs ?? []).filter((n) => !on.includes(n));
  const full = f.acs !== null && f.acs.length > 0 && off.length === 0;
  const label = f.acs === null ? 'no ACS' : on.length === 0 ? 'ACS off' : full ? `ACS ${on.join(' ')}` : `ACS ${on.join(' ')} (${off.join(' ')} off)`;
  const w = label.length * 6.2 + 10;
  const [fill, stroke] = full ? ['#e8f5e9', '#2e7d32'] : ['#fff3e0', '#e65100'];
  return { svg: rect(x, y - 11, w, 15, { rx: 7, fill, stroke, 'stroke-width': 1 }) + text(x + 5, y, label, { 'font-size': 10, fill: stroke }), w: w + 6 };
}

function groupBands(s: HostState): string[] {
  const out: string[] = [];
  const byBdf = new Map(s.machine.functions.map((f) => [f.bdf, f]));
  const groups = new Map(s.machine.groups.map((g) => [g.id, g]));
  let i = 0;
  while (i < s.rows.length) {
    const g = byBdf.get(s.rows[i]!.bdf)?.group ?? null;
    let j = i + 1;
    while (j < s.rows.length && g !== null && (byBdf.get(s.rows[j]!.bdf)?.group ?? null) === g) j++;
    if (g !== null) {
      const c = groupColor(g);
      const rep: GroupReport | undefined = groups.get(g);
      const y = TOP + i * ROW_H - 16;
      out.push(rect(8, y, LEFT_W - 16, (j - i) * ROW_H - 2, { rx: 6, fill: c.fill, stroke: c.stroke, 'stroke-width': 1.2, 'stroke-dasharray': rep?.viable === false ? '5 3' : undefined }));
      const label = `group ${g}${rep?.viable === false ? ' · not viable' : ''}${rep?.devNode ? ' · /dev/vfio' : ''}`;
      out.push(text(LEFT_W - 16, y + 14, label, { 'text-anchor': 'end', 'font-size': 11, 'font-weight': 'bold', fill: c.ink }));
    }
    i = j;
  }
  return out;
}

function treeRows(s: HostState): string[] {
  const out: string[] = [];
  const byBdf = new Map(s.machine.functions.map((f) => [f.bdf, f]));
  const stack: number[] = [];
  s.rows.forEach((r, i) => {
    const f = byBdf.get(r.bdf);
    if (f === undefined) return;
    stack.length = r.depth;
    const x = 20 + r.depth * 20;
    const y = TOP + i * ROW_H;
    const parent = r.depth > 0 ? stack[r.depth - 1] : undefined;
    if (parent !== undefined) {
      const px = 20 + (r.depth - 1) * 20 + 4;
      out.push(el('path', { d: `M${px} ${TOP + parent * ROW_H + 4} V${y - 4} H${x - 2}`, fill: 'none', stroke: '#9e9e9e', 'stroke-width': 1 }));
    }
    stack[r.depth] = i;
    const vfio = f.driver === 'vfio-pci';
    out.push(rect(x - 2, y - 8, 6, 6, { fill: vfio ? '#1565c0' : '#616161' }));
    const label = `${shortBdf(f.bdf)}  ${SHORT_TYPE[f.type] ?? f.type}  ${f.model ?? `${f.vendor}:${f.device}`}`;
    out.push(text(x + 10, y, label, { fill: '#212121' }));
    let bx = x + 14 + label.length * 6.6;
    const badge = acsBadge(f, bx, y);
    out.push(badge.svg);
    bx += badge.w;
    out.push(text(bx, y, f.driver ?? 'no driver', { fill: vfio ? '#1565c0' : '#757575', 'font-style': vfio ? 'normal' : 'italic', 'font-weight': vfio ? 'bold' : 'normal', 'font-size': 11 }));
  });
  return out;
}

function containerBoxes(s: HostState, y0: number): { svg: string[]; y: number } {
  const out = [text(RIGHT_X, y0, 'VFIO containers and iommufd', { 'font-weight': 'bold', 'font-size': 14 })];
  let y = y0 + 12;
  if (s.containers.length === 0) {
    out.push(text(RIGHT_X, y + 14, 'none yet: a group joins a container with VFIO_GROUP_SET_CONTAINER', { fill: '#757575', 'font-style': 'italic' }));
    return { svg: out, y: y + 30 };
  }
  for (const c of s.containers) {
    out.push(rect(RIGHT_X, y, RIGHT_W, 44, { rx: 6, fill: '#f5f9ff', stroke: '#1565c0' }));
    const what = c.kind === 'iommufd' ? 'devices attached to its page table' : c.backend ?? 'no IOMMU backend yet (VFIO_SET_IOMMU)';
    out.push(text(RIGHT_X + 10, y + 17, `${c.label} · ${what}${c.dmas.length ? ` · ${c.dmas.length} mapping(s)` : ''}`, { 'font-weight': 'bold', fill: '#0d47a1' }));
    let x = RIGHT_X + 10;
    for (const g of c.groups) {
      const col = groupColor(g);
      out.push(rect(x, y + 23, 70, 16, { rx: 8, fill: col.fill, stroke: col.stroke }), text(x + 35, y + 35, `group ${g}`, { 'text-anchor': 'middle', 'font-size': 11, fill: col.ink }));
      x += 76;
    }
    y += 52;
  }
  return { svg: out, y: y + 6 };
}

interface Window {
  readonly lo: bigint;
  readonly hi: bigint;
}

function windowOf(points: ReadonlyArray<readonly [bigint, bigint]>): Window {
  if (points.length === 0) return { lo: 0n, hi: 0x100000n };
  let lo = points[0]![0];
  let hi = points[0]![1];
  for (const [a, b] of points) {
    if (a < lo) lo = a;
    if (b > hi) hi = b;
  }
  const pad = (hi - lo) / 8n || 0x1000n;
  return { lo: lo > pad ? lo - pad : 0n, hi: hi + pad };
}

const scale = (w: Window, x0: number, width: number) => (v: bigint): number => x0 + (Number(v - w.lo) / Number(w.hi - w.lo)) * width;

function domainPanel(s: HostState, d: DomainSnap, y0: number): { svg: string[]; y: number } {
  const out: string[] = [];
  const col = d.groups.length > 0 ? groupColor(d.groups[0]!) : { fill: '#e3f2fd', stroke: '#1565c0', ink: '#0d47a1' };
  const faults = s.faults.filter((f) => d.devices.includes(f.source));
  const iw = windowOf([...d.mappings.map((m) => [m.iova, m.iova + m.size] as const), ...faults.map((f) => [f.iova, f.iova + 1n] as const)]);
  const pw = windowOf(d.mappings.map((m) => [m.pa, m.pa + m.size] as const));
  const bx = RIGHT_X + 40;
  const bw = RIGHT_W - 50;
  const ix = scale(iw, bx, bw);
  const px = scale(pw, bx, bw);
  const devs = d.devices.map(shortBdf).join(', ') || 'no device attached';
  out.push(text(RIGHT_X, y0, `domain ${d.id} (${d.type})${d.owner ? ` of ${d.owner}` : ''}`, { 'font-weight': 'bold', fill: col.ink }));
  out.push(text(RIGHT_X, y0 + 15, `translates for ${devs}${d.groups.length ? ` (group ${d.groups.join(', ')})` : ''}`, { 'font-size': 11, fill: '#424242' }));
  const iy = y0 + 36;
  const py = iy + 62;
  out.push(text(RIGHT_X, iy + 11, 'IOVA', { 'font-size': 10, fill: '#616161' }), text(RIGHT_X, py + 11, 'host PA', { 'font-size': 10, fill: '#616161' }));
  out.push(rect(bx, iy, bw, 14, { fill: '#fafafa', stroke: '#9e9e9e' }), rect(bx, py, bw, 14, { fill: '#fafafa', stroke: '#9e9e9e' }));
  for (const [w, y] of [[iw, iy], [pw, py]] as const) {
    out.push(text(bx, y + 26, hx(w.lo), { 'font-size': 9, fill: '#757575' }), text(bx + bw, y + 26, hx(w.hi), { 'font-size': 9, fill: '#757575', 'text-anchor': 'end' }));
  }
  if (d.mappings.length === 0) out.push(text(bx + bw / 2, iy + 40, 'no mappings: every DMA through this domain faults', { 'text-anchor': 'middle', 'font-size': 11, fill: '#757575', 'font-style': 'italic' }));
  const labelled = d.mappings.length <= 4;
  d.mappings.forEach((m, k) => {
    const a = ix(m.iova);
    const b = Math.max(ix(m.iova + m.size), a + 3);
    const c = px(m.pa);
    const e = Math.max(px(m.pa + m.size), c + 3);
    out.push(polygon([[a, iy + 14], [b, iy + 14], [e, py], [c, py]], { fill: col.stroke, 'fill-opacity': 0.18, stroke: col.stroke, 'stroke-opacity': 0.5 }));
    out.push(rect(a, iy, b - a, 14, { fill: col.stroke }), rect(c, py, e - c, 14, { fill: col.stroke }));
    if (labelled) {
      const prot = `${m.read ? 'r' : '-'}${m.write ? 'w' : '-'}`;
      const right = a > bx + bw * 0.6;
      out.push(text(right ? b : a, iy - 3, `${hx(m.iova)} +${sizeText(m.size)} ${prot}`, { 'font-size': 9, fill: col.ink, 'text-anchor': right ? 'end' : undefined }));
      const pr = c > bx + bw * 0.6;
      out.push(text(pr ? e : c, py + 26 + 10 * (k % 2), `→ ${hx(m.pa)}`, { 'font-size': 9, fill: col.ink, 'text-anchor': pr ? 'end' : undefined }));
    }
  });
  for (const f of faults) {
    const x = ix(f.iova);
    const anchor = x > bx + bw * 0.7 ? 'end' : x < bx + bw * 0.2 ? 'start' : 'middle';
    out.push(line(x, iy - 4, x, iy + 30, { stroke: RED, 'stroke-width': 2 }), text(x, iy + 40, `✕ ${f.access} ${hx(f.iova)}`, { 'font-size': 10, fill: RED, 'text-anchor': anchor, 'font-weight': 'bold' }));
  }
  return { svg: out, y: py + 52 };
}

function faultList(s: HostState, y0: number): { svg: string[]; y: number } {
  if (s.faults.length === 0 && s.unchecked.length === 0 && s.escapes.length === 0) return { svg: [], y: y0 };
  const lines: string[] = [
    ...s.unchecked.map((b) => `${shortBdf(b)} is in a no-IOMMU group: its DMA reaches all of host RAM, unchecked`),
    ...s.escapes.slice(-6).map((e) => `ESCAPE ${shortBdf(e.who)}: ${e.text}`),
    ...s.faults.slice(-8).map((f) => `fault ${shortBdf(f.source)} ${f.access} at IOVA ${hx(f.iova)}: ${f.reason}`),
  ];
  if (s.faults.length > 8) lines.push(`… ${s.faults.length - 8} earlier fault(s) not shown`);
  const h = 26 + lines.length * 16;
  const title = s.escapes.length > 0 || s.unchecked.length > 0 ? `Isolation broken: ${s.escapes.length} escape(s), ${s.faults.length} fault(s)` : `IOMMU faults (${s.faults.length})`;
  const out = [rect(RIGHT_X, y0, RIGHT_W, h, { rx: 6, fill: RED_FILL, stroke: RED, 'stroke-width': s.escapes.length > 0 ? 2.5 : 1 })];
  out.push(text(RIGHT_X + 10, y0 + 17, title, { 'font-weight': 'bold', fill: RED }));
  lines.forEach((l, i) => out.push(text(RIGHT_X + 10, y0 + 34 + i * 16, l.length > 88 ? `${l.slice(0, 87)}…` : l, { 'font-size': 11, fill: RED })));
  return { svg: out, y: y0 + h + 12 };
}

/** The SVG picture of `s`. */
export function drawMachine(s: HostState, opts: DrawOptions = {}): string {
  const m = s.machine;
  const head = [
    text(16, 24, `${m.name} — IOMMU: ${m.iommu}; grouping: ${m.grouping}`, { 'font-size': 15, 'font-weight': 'bold' }),
    text(16, 42, `${opts.subtitle ? `${opts.subtitle} · ` : ''}t = ${s.now} ns`, { 'font-size': 12, fill: '#616161' }),
  ];
  const left = [...groupBands(s), ...treeRows(s)];
  const leftEnd = TOP + s.rows.length * ROW_H + 14;
  left.push(text(16, leftEnd - 4, 'band = IOMMU group (dashed: not viable for VFIO) · blue = bound to vfio-pci · ACS tags on ports', { 'font-size': 10, fill: '#757575' }));
  const right: string[] = [];
  let y = TOP;
  const cbox = containerBoxes(s, y);
  right.push(...cbox.svg);
  y = cbox.y + 10;
  right.push(text(RIGHT_X, y, 'IOMMU address spaces in use', { 'font-weight': 'bold', 'font-size': 14 }));
  y += 22;
  if (s.domains.length === 0) {
    right.push(text(RIGHT_X, y, m.iommu === 'none' ? 'this machine has no IOMMU' : 'no device translates through a VFIO domain yet', { fill: '#757575', 'font-style': 'italic' }));
    y += 24;
  }
  for (const d of s.domains) {
    const p = domainPanel(s, d, y);
    right.push(...p.svg);
    y = p.y;
  }
  const f = faultList(s, y);
  right.push(...f.svg);
  const height = Math.max(leftEnd, f.y) + 16;
  return svgDoc(WIDTH, height, [...head, ...left, ...right], `${m.name}${opts.subtitle ? ` — ${opts.subtitle}` : ''}`);
}

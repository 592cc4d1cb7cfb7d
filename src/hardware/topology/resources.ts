/**
 * BAR placement and bridge windows, the way PC firmware does it: size every bus bottom-up
 * (a bridge's window must hold its children's BARs and windows, 1 MiB granular for memory,
 * 4 KiB for I/O), then place top-down, largest alignment first. Three spaces:
 *   io     I/O ports from 0x1000 up to 0xffff;
 *   mem    32-bit MMIO in [0xC0000000, 0xFEBFFFFF] (every BAR except 64-bit prefetchable);
 *   pref   64-bit prefetchable BARs above both 4 GiB and the top of RAM (1 GiB aligned).
 * Explicit addresses are kept and firmware placement steps around them. Afterwards every
 * BAR is checked against RAM, the x86 interrupt/firmware range and every other BAR.
 */
import { hex } from '../../base/u64.js';
import type { BarSpec, BusDraft, FnDraft } from './draft.js';
import type { TopologyIssue } from './issues.js';
import type { AddressRange, Bar, BridgeWindows, Platform, RamRange } from './model.js';
import { FOUR_GIB, MMIO32_WINDOW, X86_SPECIAL_RANGE, overlaps, ramTop } from './ram.js';

type Space = 'io' | 'mem' | 'pref';
const SPACES: readonly Space[] = ['io', 'mem', 'pref'];
const GRANULE: Record<Space, bigint> = { io: 0x1000n, mem: 0x10_0000n, pref: 0x10_0000n };
const MIB = 0x10_0000n;

interface Item {
  readonly size: bigint;
  readonly align: bigint;
  readonly fn: FnDraft;
  readonly bar?: BarSpec;
  readonly bridge?: FnDraft;
}

const spaceOf = (b: BarSpec): Space => (b.io ? 'io' : b.prefetchable && b.is64 ? 'pref' : 'mem');
const alignUp = (v: bigint, a: bigint) => ((v + a - 1n) / a) * a;

/** Functions whose resources decode on `bus`: its devices plus VFs of PFs on it. */
function residents(bus: BusDraft): FnDraft[] {
  const out: FnDraft[] = [];
  for (const d of bus.devices) {
    if (d.isVf && d.physfn && (d.physfn as FnDraft).parentBus !== bus) continue;
    out.push(d);
    for (const vf of d.vfs as FnDraft[]) if (vf.parentBus !== bus) out.push(vf);
  }
  return out;
}

class Sizer {
  readonly need = new Map<FnDraft, Record<Space, { size: bigint; align: bigint }>>();

  items(bus: BusDraft, space: Space): Item[] {
    const items: Item[] = [];
    for (const f of residents(bus)) {
      for (const b of f.barSpecs) {
        if (b.address === undefined && spaceOf(b) === space) items.push({ size: b.size, align: b.size, fn: f, bar: b });
      }
      const w = f.subordinate ? this.size(f)[space] : null;
      if (w && w.size > 0n) items.push({ size: w.size, align: w.align, fn: f, bridge: f });
    }
    // Largest alignment first; ties keep probe order (stable sort).
    return items.sort((a, b) => (a.align > b.align ? -1 : a.align < b.align ? 1 : 0));
  }

  size(bridge: FnDraft): Record<Space, { size: bigint; align: bigint }> {
    const hit = this.need.get(bridge);
    if (hit) return hit;
    const out = {} as Record<Space, { size: bigint; align: bigint }>;
    for (const s of SPACES) {
      let end = 0n;
      let align = GRANULE[s];
      for (const it of this.items(bridge.subordinate!, s)) {
        end = alignUp(end, it.align) + it.size;
        if (it.align > align) align = it.align;
      }
      out[s] = { size: alignUp(end, GRANULE[s]), align };
    }
    this.need.set(bridge, out);
    return out;
  }
}

class Placer {
  readonly placed = new Map<BarSpec, bigint>();
  readonly sizer: Sizer;
  readonly fixed: readonly AddressRange[];
  constructor(sizer: Sizer, fixed: readonly AddressRange[]) {
    this.sizer = sizer;
    this.fixed = fixed;
  }

  /** Lowest aligned address ≥ cursor whose [addr, addr+size) avoids every fixed range. */
  fit(cursor: bigint, size: bigint, align: bigint): bigint {
    let addr = alignUp(cursor, align);
    for (;;) {
      const hit = this.fixed.find((r) => overlaps(r, { start: addr, end: addr + size - 1n }));
      if (!hit) return addr;
      addr = alignUp(hit.end + 1n, align);
    }
  }

  place(bus: BusDraft, space: Space, base: bigint): bigint {
    let cursor = base;
    for (const it of this.sizer.items(bus, space)) {
      const addr = this.fit(cursor, it.size, it.align);
      if (it.bar) this.placed.set(it.bar, addr);
      else this.place(it.bridge!.subordinate!, space, addr);
      cursor = addr + it.size;
    }
    return cursor;
  }
}

function toBar(spec: BarSpec, address: bigint, explicit: boolean): Bar {
  return { index: spec.index, size: spec.size, address, prefetchable: spec.prefetchable,
    is64: spec.is64, io: spec.io, placement: explicit ? 'explicit' : 'firmware' };
}

/** Hull of everything decoded below a bridge, per space, widened to the granule. */
function computeWindows(bridge: FnDraft): BridgeWindows {
  const hull: Record<Space, AddressRange | null> = { io: null, mem: null, pref: null };
  const visit = (f: FnDraft) => {
    for (const b of f.bars) {
      const s: Space = b.io ? 'io' : b.prefetchable && b.is64 ? 'pref' : 'mem';
      const h = hull[s];
      const end = b.address + b.size - 1n;
      hull[s] = h ? { start: h.start < b.address ? h.start : b.address, end: h.end > end ? h.end : end }
        : { start: b.address, end };
    }
    for (const vf of f.vfs as FnDraft[]) if (vf.parentBus !== f.parentBus) visit(vf);
    if (f.subordinate) for (const c of f.subordinate.devices) if (!c.isVf || c.physfn === null) visit(c);
  };
  if (bridge.subordinate) for (const c of bridge.subordinate.devices) visit(c);
  const widen = (r: AddressRange | null, g: bigint) =>
    r ? { start: (r.start / g) * g, end: alignUp(r.end + 1n, g) - 1n } : null;
  return { io: widen(hull.io, GRANULE.io), mem: widen(hull.mem, MIB), prefMem: widen(hull.pref, MIB) };
}

export function assignResources(root: BusDraft, functions: readonly FnDraft[], ram: readonly RamRange[],
  platform: Platform, issues: TopologyIssue[]): void {
  const fixed: AddressRange[] = [];
  for (const f of functions) for (const b of f.barSpecs) {
    if (b.address !== undefined) fixed.push({ start: b.address, end: b.address + b.size - 1n });
  }
  const placer = new Placer(new Sizer(), fixed);
  const ioEnd = placer.place(root, 'io', 0x1000n);
  const memEnd = placer.place(root, 'mem', MMIO32_WINDOW.start);
  const top = ramTop(ram);
  placer.place(root, 'pref', alignUp(top > FOUR_GIB ? top : FOUR_GIB, 0x4000_0000n));
  if (ioEnd > 0x1_0000n) issues.push({ path: 'pci', message: 'I/O BARs do not fit below 0x10000' });
  if (memEnd - 1n > MMIO32_WINDOW.end) {
    issues.push({ path: 'pci', message: `32-bit BARs do not fit in ${hex(MMIO32_WINDOW.start)}-${hex(MMIO32_WINDOW.end)}` });
  }
  for (const f of functions) {
    f.bars = f.barSpecs.map((s) => toBar(s, s.address ?? placer.placed.get(s)!, s.address !== undefined))
      .sort((a, b) => a.index - b.index);
  }
  for (const f of functions) if (f.isBridge) f.windows = computeWindows(f);
  checkBars(functions, ram, platform, issues);
}

function barPath(f: FnDraft, b: Bar): string {
  if (f.isVf) return f.path;
  if (!f.barsFromInput) return `${f.path}.model`;
  return `${f.path}.bars[${f.barSpecs.findIndex((s) => s.index === b.index)}]`;
}

function checkBars(functions: readonly FnDraft[], ram: readonly RamRange[], platform: Platform,
  issues: TopologyIssue[]): void {
  const all: { f: FnDraft; b: Bar; r: AddressRange }[] = [];
  for (const f of functions) for (const b of f.bars) {
    all.push({ f, b, r: { start: b.address, end: b.address + b.size - 1n } });
  }
  for (const { f, b, r } of all) {
    const where = `BAR${b.index} ${hex(r.start)}-${hex(r.end)} of ${f.bdf}`;
    if (b.io) continue;
    if (ram.some((x) => overlaps(x, r))) issues.push({ path: barPath(f, b), message: `${where} lies inside RAM` });
    else if (platform !== 'arm' && overlaps(r, X86_SPECIAL_RANGE)) {
      issues.push({ path: barPath(f, b), message: `${where} overlaps the x86 IOAPIC/MSI/firmware range 0xfec00000-0xffffffff` });
    }
  }
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const x = all[i]!, y = all[j]!;
      if (x.b.io === y.b.io && overlaps(x.r, y.r)) {
        issues.push({ path: barPath(y.f, y.b), message: `BAR${y.b.index} of ${y.f.bdf} overlaps BAR${x.b.index} of ${x.f.bdf}` });
      }
    }
  }
}

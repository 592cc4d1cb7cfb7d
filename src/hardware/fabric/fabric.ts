/**
 * The fabric: every device-originated memory request goes fabric → IOMMU → memory.
 *
 * `dmaRead` / `dmaWrite` split a request into TLPs at 4 KiB boundaries (spec §3.3 step 1),
 * route each through the topology (route.ts), and then
 *  - deliver a request a peer claims to that peer's BAR registers (no IOMMU lookup, no
 *    fault — spec §5 point 15), logging it as a P2P event the isolation oracle watches;
 *  - drop a request an ACS check refuses (SV, TB), logging an ACS violation (an AER event,
 *    not an IOMMU fault — spec §5 point 16);
 *  - hand consecutive pieces that reach the root complex to the IOMMU in one call (or to
 *    memory directly on a machine without one, or before the IOMMU translates — the boot
 *    window `iommuEnabledAt`, threat T12: MSI window writes go to `msiSink`).
 * After the root complex (translated or not), a physical address a BAR decodes goes to that
 * device's registers, not RAM: a VFIO user who maps a peer's BAR mmap gets policed P2P (the
 * IOMMU checked it), logged as an `mmio` event. Beyond MAXPHYADDR nothing answers: writes
 * vanish, reads return all ones.
 * Pieces are done in order; a fault or drop on piece k leaves pieces < k done.
 *
 * Invariants: nothing here changes routing state; the event log only grows; a request
 * the fabric delivers to a peer is never seen by the IOMMU.
 */
import type { Iommu } from '../iommu/iommu.js';
import type { AtsTranslation } from '../iommu/iommu-types.js';
import type { FaultRecord } from '../iommu/faults.js';
import { compatMessage, type MsiMessage } from '../iommu/interrupt-remap.js';
import { MAX_PHYS, type PhysMem } from '../memory/phys-mem.js';
import type { PciFunction, Topology } from '../topology/model.js';
import type { AccessSize, DeviceModel } from '../devices/model-types.js';
import { routeRequest, type AddressType, type PeerVia, type Route, type RouteOptions } from './route.js';
import { inMsiWindow } from '../../uapi/x86.js';
import { getLE, putLE } from '../devices/le-bytes.js';

export interface FabricOptions extends RouteOptions {
  readonly iommu: Iommu | null;
  readonly phys: PhysMem;
  /** The device model of a function, to deliver P2P requests to its BARs. */
  readonly modelOf?: (fn: PciFunction) => DeviceModel | undefined;
  /** Where an MSI goes on a machine without an IOMMU (the CPUs' interrupt controller). */
  readonly msiSink?: (msg: MsiMessage) => void;
  readonly now?: () => bigint;
  readonly trace?: { add(kind: 'dma', who: string, text: string): void };
  /** Host time at which the IOMMU starts translating (default 0: from boot). */
  readonly iommuEnabledAt?: bigint;
}

export interface FabricDmaOptions {
  readonly at?: AddressType;
  readonly pasid?: number;
}

/** Something the isolation oracle must know about: it never shows up as an IOMMU fault. */
export interface FabricEvent {
  readonly time: bigint;
  /** p2p: claimed by a peer below the root complex; mmio: routed to a BAR after the root complex (policed P2P). */
  readonly kind: 'p2p' | 'acs-violation' | 'mmio';
  readonly source: string;
  /** The requester id the packet carried (forged or not). */
  readonly rid: number;
  readonly addr: bigint;
  readonly access: 'read' | 'write';
  readonly bytes: number;
  /** p2p / mmio: the function whose BAR took it; acs-violation: the port that dropped it. */
  readonly target: string;
  readonly via: PeerVia | 'SV' | 'TB' | 'root-complex';
}

export type FabricDmaResult =
  | { readonly ok: true; readonly data?: Uint8Array; readonly bytes: number; readonly translation?: AtsTranslation }
  | {
      readonly ok: false; readonly bytesDone: number; readonly data?: Uint8Array;
      /** Set when the IOMMU faulted. */
      readonly fault?: FaultRecord;
      /** Set when a port dropped the request (ACS). */
      readonly dropped?: FabricEvent;
    };

/** One memory BAR in the physical address map. */
interface Decoder {
  readonly start: number;
  readonly end: number;
  readonly fn: PciFunction;
  readonly bar: number;
}

export class Fabric {
  private readonly events: FabricEvent[] = [];
  readonly opts: FabricOptions;
  /** Where an MSI goes on a machine without an IOMMU, or before the IOMMU translates. */
  private readonly msiSink: ((msg: MsiMessage) => void) | undefined;
  /**
   * When the IOMMU starts translating (VT-d: GCMD.TE set), in host ns. Before it, DMA that
   * reaches the root complex is not translated at all (threat T12, the pre-boot window).
   * Default 0: translating from boot (firmware DMA protection). Given at construction (the
   * topology's `iommu.enabledAtNs`).
   */
  readonly iommuEnabledAt: bigint;
  /** Every memory BAR by address (BARs never move). */
  private readonly decoders: Decoder[];
  private readonly lowestBar: number;
  /** The request being performed (for the events of accesses the IOMMU hands back). */
  private current: { src: PciFunction; rid: number } | null = null;

  constructor(readonly topology: Topology, opts: FabricOptions) {
    this.opts = opts;
    this.msiSink = opts.msiSink;
    this.iommuEnabledAt = opts.iommuEnabledAt ?? 0n;
    this.decoders = topology.functions
      .flatMap((fn) => fn.bars.filter((b) => !b.io && b.index < 6 && b.size > 0n && b.address > 0n)
        .map((b) => ({ start: Number(b.address), end: Number(b.address + b.size), fn, bar: b.index })))
      .sort((a, b) => a.start - b.start);
    this.lowestBar = this.decoders[0]?.start ?? Infinity;
  }

  /** Does the IOMMU translate requests now (false in the boot window)? */
  get translating(): boolean {
    return this.opts.iommu !== null && (this.iommuEnabledAt === 0n || (this.opts.now?.() ?? 0n) >= this.iommuEnabledAt);
  }

  /**
   * A physical access after the root complex: the parts a BAR decodes go to that device's
   * registers, the rest to RAM. Returns false (nothing done) when no BAR is involved.
   */
  physAccess(pa: number, write: boolean, buf: Uint8Array, off: number, n: number): boolean {
    if (pa + n <= this.lowestBar || !this.decoders.some((d) => d.start < pa + n && pa < d.end)) return false;
    let done = 0;
    while (done < n) {
      const a = pa + done;
      const d = this.decoders.find((x) => a >= x.start && a < x.end);
      if (d === undefined) {
        const next = this.decoders.find((x) => x.start > a)?.start ?? Infinity;
        const len = Math.min(n - done, next - a);
        if (write) this.opts.phys.writeAt(a, buf, off + done, len);
        else this.opts.phys.readAt(a, buf, off + done, len);
        done += len;
        continue;
      }
      const len = Math.min(n - done, d.end - a);
      this.mmio(d, a - d.start, buf, off + done, len, write);
      done += len;
    }
    return true;
  }

  private mmio(d: Decoder, barOff: number, buf: Uint8Array, off: number, n: number, write: boolean): void {
    const src = d.fn;
    const who = this.current;
    this.events.push({ time: this.opts.now?.() ?? 0n, kind: 'mmio', source: who?.src.bdf ?? '', rid: who?.rid ?? -1, addr: BigInt(d.start + barOff), access: write ? 'write' : 'read', bytes: n, target: src.bdf, via: 'root-complex' });
    this.opts.trace?.add('dma', src.bdf, `${write ? 'write' : 'read'} of ${n} bytes at physical 0x${(d.start + barOff).toString(16)} routed to ${src.bdf} BAR${d.bar} (after the root complex)`);
    this.barAccess(this.opts.modelOf?.(src), d.bar, barOff, buf, off, n, write);
  }

  /** Where one TLP from `src` at `addr` would go. */
  route(src: PciFunction, addr: bigint, rid: number = src.rid, at: AddressType = 'untranslated'): Route {
    return routeRequest(this.topology.functions, src, { addr, rid, at }, this.opts);
  }

  /** Every P2P delivery and ACS violation since boot, oldest first (a copy). */
  eventLog(): FabricEvent[] {
    return this.events.slice();
  }

  dmaWrite(src: PciFunction, rid: number, addr: bigint, data: Uint8Array, opts: FabricDmaOptions = {}): FabricDmaResult {
    return this.transfer(src, rid, addr, data.length, true, data, opts);
  }

  dmaRead(src: PciFunction, rid: number, addr: bigint, len: number, opts: FabricDmaOptions = {}): FabricDmaResult {
    return this.transfer(src, rid, addr, len, false, new Uint8Array(len), opts);
  }

  private transfer(src: PciFunction, rid: number, addr: bigint, len: number, write: boolean, buf: Uint8Array, opts: FabricDmaOptions): FabricDmaResult {
    const at = opts.at ?? 'untranslated';
    if (at === 'translation-request') return this.translate(src, rid, addr, opts);
    let done = 0;
    let runStart = 0;
    let runLen = 0;
    while (done < len) {
      const a = addr + BigInt(done);
      const n = Math.min(len - done, 4096 - Number(a & 0xfffn));
      const r = this.route(src, a, rid, at);
      if (r.kind === 'root-complex') {
        if (runLen === 0) runStart = done;
        runLen += n;
        done += n;
        continue;
      }
      const up = this.upstream(src, rid, addr + BigInt(runStart), buf, runStart, runLen, write, opts);
      if (up !== null) return up;
      runLen = 0;
      if (r.kind === 'dropped') return this.drop(src, rid, a, n, write, r.port, r.acs, done, buf);
      this.peer(src, rid, a, buf, done, n, write, r);
      done += n;
    }
    const up = this.upstream(src, rid, addr + BigInt(runStart), buf, runStart, runLen, write, opts);
    if (up !== null) return up;
    return write ? { ok: true, bytes: len } : { ok: true, bytes: len, data: buf };
  }

  /** A run of pieces that reached the root complex; null when it completed. */
  private upstream(src: PciFunction, rid: number, addr: bigint, buf: Uint8Array, off: number, len: number, write: boolean, opts: FabricDmaOptions): FabricDmaResult | null {
    if (len === 0) return null;
    const piece = buf.subarray(off, off + len);
    const iommu = this.opts.iommu;
    if (iommu === null || !this.translating) {
      this.current = { src, rid };
      this.direct(rid, addr, piece, write);
      this.current = null;
      return null;
    }
    const dopts = { at: opts.at ?? 'untranslated', ...(opts.pasid === undefined ? {} : { pasid: opts.pasid }) } as const;
    this.current = { src, rid };
    let r;
    try {
      r = write ? iommu.dmaWrite(rid, addr, piece, dopts) : iommu.dmaReadInto(rid, addr, piece, 0, len, dopts);
    } finally {
      this.current = null;
    }
    if (r.ok) return null;
    return { ok: false, bytesDone: off + r.bytesDone, fault: r.fault, ...(write ? {} : { data: buf.subarray(0, off + r.bytesDone) }) };
  }

  /** No IOMMU: the bus address is the physical address; the x86 window carries MSIs. */
  private direct(rid: number, addr: bigint, piece: Uint8Array, write: boolean): void {
    if (inMsiWindow(addr)) {
      if (write && piece.length === 4) {
        const v = new DataView(piece.buffer, piece.byteOffset, 4).getUint32(0, true);
        this.msiSink?.(compatMessage(rid, Number(addr), v));
      } else if (!write) piece.fill(0xff);
      return;
    }
    // beyond MAXPHYADDR nothing answers: writes vanish, reads return all ones (master abort)
    const limit = BigInt(MAX_PHYS);
    const n = addr >= limit ? 0 : Number(addr + BigInt(piece.length) > limit ? limit - addr : BigInt(piece.length));
    if (n > 0 && !this.physAccess(Number(addr), write, piece, 0, n)) {
      if (write) this.opts.phys.writeAt(Number(addr), piece, 0, n);
      else this.opts.phys.readAt(Number(addr), piece, 0, n);
    }
    if (!write) piece.fill(0xff, n);
  }

  private translate(src: PciFunction, rid: number, addr: bigint, opts: FabricDmaOptions): FabricDmaResult {
    const r = this.route(src, addr, rid, 'translation-request');
    if (r.kind === 'dropped') return this.drop(src, rid, addr, 0, false, r.port, r.acs, 0, new Uint8Array(0));
    const iommu = this.opts.iommu;
    if (iommu === null || !this.translating) return { ok: true, bytes: 0, translation: { pa: addr & ~0xfffn, size: 0x1000n, read: true, write: true } };
    const t = iommu.translationRequest(rid, addr, opts.pasid === undefined ? {} : { pasid: opts.pasid });
    return t.ok ? t : { ok: false, bytesDone: 0, fault: t.fault };
  }

  private drop(src: PciFunction, rid: number, addr: bigint, n: number, write: boolean, port: PciFunction, acs: 'SV' | 'TB', done: number, buf: Uint8Array): FabricDmaResult {
    const ev = this.record('acs-violation', src, rid, addr, n, write, port.bdf, acs);
    this.opts.trace?.add('dma', src.bdf, `ACS ${acs} violation at ${port.bdf}: ${write ? 'write' : 'read'} 0x${addr.toString(16)} (rid 0x${rid.toString(16).padStart(4, '0')}) dropped`);
    return { ok: false, bytesDone: done, dropped: ev, ...(write ? {} : { data: buf.subarray(0, done) }) };
  }

  private peer(src: PciFunction, rid: number, addr: bigint, buf: Uint8Array, off: number, n: number, write: boolean, r: Extract<Route, { kind: 'peer' }>): void {
    this.record('p2p', src, rid, addr, n, write, r.target.bdf, r.via);
    this.opts.trace?.add('dma', src.bdf, `P2P ${write ? 'write' : 'read'} of ${n} bytes at 0x${addr.toString(16)} claimed by ${r.target.bdf} BAR${r.bar} (${r.via}); the IOMMU never sees it`);
    this.barAccess(this.opts.modelOf?.(r.target), r.bar, Number(r.offset), buf, off, n, write);
  }

  /** Deliver [off, off+n) of `buf` to BAR `bar` at `barOff` (reads without a model get all ones). */
  private barAccess(model: DeviceModel | undefined, bar: number, barOff: number, buf: Uint8Array, off: number, n: number, write: boolean): void {
    let o = barOff;
    let i = off;
    const end = off + n;
    while (i < end) {
      const size = accessSize(o, end - i);
      if (model === undefined) {
        if (!write) buf.fill(0xff, i, i + size);
      } else if (write) model.barWrite(bar, o, size, getLE(buf, i, size));
      else putLE(buf, i, size, model.barRead(bar, o, size));
      i += size;
      o += size;
    }
  }

  private record(kind: FabricEvent['kind'], src: PciFunction, rid: number, addr: bigint, bytes: number, write: boolean, target: string, via: FabricEvent['via']): FabricEvent {
    const ev: FabricEvent = { time: this.opts.now?.() ?? 0n, kind, source: src.bdf, rid, addr, access: write ? 'write' : 'read', bytes, target, via };
    this.events.push(ev);
    return ev;
  }
}

/** The widest naturally aligned access (8, 4, 2 or 1 bytes) that fits. */
function accessSize(off: number, left: number): AccessSize {
  if (off % 8 === 0 && left >= 8) return 8;
  if (off % 4 === 0 && left >= 4) return 4;
  if (off % 2 === 0 && left >= 2) return 2;
  return 1;
}

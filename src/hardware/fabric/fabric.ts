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
 *    memory directly on a machine without one: MSI window writes go to `msiSink`).
 * Pieces are done in order; a fault or drop on piece k leaves pieces < k done.
 *
 * Invariants: nothing here changes routing state; the event log only grows; a request
 * the fabric delivers to a peer is never seen by the IOMMU.
 */
import type { Iommu, AtsTranslation } from '../iommu/iommu.js';
import type { FaultRecord } from '../iommu/faults.js';
import { compatMessage, type MsiMessage } from '../iommu/interrupt-remap.js';
import { MAX_PHYS, type PhysMem } from '../memory/phys-mem.js';
import type { PciFunction, Topology } from '../topology/model.js';
import type { AccessSize, DeviceModel } from '../devices/model.js';
import { routeRequest, type AddressType, type PeerVia, type Route, type RouteOptions } from './route.js';

export interface FabricOptions extends RouteOptions {
  readonly iommu: Iommu | null;
  readonly phys: PhysMem;
  /** The device model of a function, to deliver P2P requests to its BARs. */
  readonly modelOf?: (fn: PciFunction) => DeviceModel | undefined;
  /** Where an MSI goes on a machine without an IOMMU. */
  readonly msiSink?: (msg: MsiMessage) => void;
  readonly now?: () => bigint;
  readonly trace?: { add(kind: 'dma', who: string, text: string): void };
}

export interface FabricDmaOptions {
  readonly at?: AddressType;
  readonly pasid?: number;
}

/** Something the isolation oracle must know about: it never shows up as an IOMMU fault. */
export interface FabricEvent {
  readonly time: bigint;
  readonly kind: 'p2p' | 'acs-violation';
  readonly source: string;
  /** The requester id the packet carried (forged or not). */
  readonly rid: number;
  readonly addr: bigint;
  readonly access: 'read' | 'write';
  readonly bytes: number;
  /** p2p: the function that claimed it; acs-violation: the port that dropped it. */
  readonly target: string;
  readonly via: PeerVia | 'SV' | 'TB';
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

const MSI_LO = 0xfee0_0000n;
const MSI_HI = 0xfef0_0000n;

export class Fabric {
  private readonly events: FabricEvent[] = [];
  readonly opts: FabricOptions;
  /** Where an MSI goes on a machine without an IOMMU (replaceable, like Iommu.msiSink). */
  msiSink: ((msg: MsiMessage) => void) | undefined;

  constructor(readonly topology: Topology, opts: FabricOptions) {
    this.opts = opts;
    this.msiSink = opts.msiSink;
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
      const up = this.upstream(rid, addr + BigInt(runStart), buf, runStart, runLen, write, opts);
      if (up !== null) return up;
      runLen = 0;
      if (r.kind === 'dropped') return this.drop(src, rid, a, n, write, r.port, r.acs, done, buf);
      this.peer(src, rid, a, buf, done, n, write, r);
      done += n;
    }
    const up = this.upstream(rid, addr + BigInt(runStart), buf, runStart, runLen, write, opts);
    if (up !== null) return up;
    return write ? { ok: true, bytes: len } : { ok: true, bytes: len, data: buf };
  }

  /** A run of pieces that reached the root complex; null when it completed. */
  private upstream(rid: number, addr: bigint, buf: Uint8Array, off: number, len: number, write: boolean, opts: FabricDmaOptions): FabricDmaResult | null {
    if (len === 0) return null;
    const piece = buf.subarray(off, off + len);
    const iommu = this.opts.iommu;
    if (iommu === null) {
      this.direct(rid, addr, piece, write);
      return null;
    }
    const dopts = { at: opts.at ?? 'untranslated', ...(opts.pasid === undefined ? {} : { pasid: opts.pasid }) } as const;
    const r = write ? iommu.dmaWrite(rid, addr, piece, dopts) : iommu.dmaReadInto(rid, addr, piece, 0, len, dopts);
    if (r.ok) return null;
    return { ok: false, bytesDone: off + r.bytesDone, fault: r.fault, ...(write ? {} : { data: buf.subarray(0, off + r.bytesDone) }) };
  }

  /** No IOMMU: the bus address is the physical address; the x86 window carries MSIs. */
  private direct(rid: number, addr: bigint, piece: Uint8Array, write: boolean): void {
    if (addr >= MSI_LO && addr < MSI_HI) {
      if (write && piece.length === 4) {
        const v = new DataView(piece.buffer, piece.byteOffset, 4).getUint32(0, true);
        this.msiSink?.(compatMessage(rid, Number(addr), v));
      } else if (!write) piece.fill(0xff);
      return;
    }
    // beyond MAXPHYADDR nothing answers: writes vanish, reads return all ones (master abort)
    const limit = BigInt(MAX_PHYS);
    const n = addr >= limit ? 0 : Number(addr + BigInt(piece.length) > limit ? limit - addr : BigInt(piece.length));
    if (write) {
      if (n > 0) this.opts.phys.write(addr, piece.subarray(0, n));
      return;
    }
    if (n > 0) this.opts.phys.readInto(addr, piece.subarray(0, n));
    piece.fill(0xff, n);
  }

  private translate(src: PciFunction, rid: number, addr: bigint, opts: FabricDmaOptions): FabricDmaResult {
    const r = this.route(src, addr, rid, 'translation-request');
    if (r.kind === 'dropped') return this.drop(src, rid, addr, 0, false, r.port, r.acs, 0, new Uint8Array(0));
    const iommu = this.opts.iommu;
    if (iommu === null) return { ok: true, bytes: 0, translation: { pa: addr & ~0xfffn, size: 0x1000n, read: true, write: true } };
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
    const model = this.opts.modelOf?.(r.target);
    let o = Number(r.offset);
    let i = off;
    const end = off + n;
    while (i < end) {
      const size = accessSize(o, end - i);
      if (model === undefined) {
        if (!write) buf.fill(0xff, i, i + size);
      } else if (write) model.barWrite(r.bar, o, size, readLE(buf, i, size));
      else writeLE(buf, i, size, model.barRead(r.bar, o, size));
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

function readLE(b: Uint8Array, at: number, size: number): bigint {
  let v = 0n;
  for (let k = size - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[at + k]!);
  return v;
}

function writeLE(b: Uint8Array, at: number, size: number, v: bigint): void {
  for (let k = 0; k < size; k++) b[at + k] = Number((v >> BigInt(8 * k)) & 0xffn);
}

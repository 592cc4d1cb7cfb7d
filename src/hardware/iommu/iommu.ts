/**
 * One IOMMU unit (Intel: one DRHD): a context table from requester id to what happens to
 * that requester's DMA, the domains it hands out, its IOTLB, its fault recording, its
 * interrupt remapping table, and the DMA path that ties them to physical memory.
 *
 * What must always hold:
 *  - A RID the unit does not cover is not translated at all (device outside IOMMU scope).
 *    A covered RID without a context entry faults: 0x1 if its bus never got a context
 *    table (root entry clear), else 0x2; a blocked context faults 0x2 (Linux clears it).
 *  - The DMA path follows spec §3.3: split at 4 KiB boundaries, each piece in order, a
 *    fault on piece k leaves pieces < k done; the x86 interrupt window 0xFEE00000–
 *    0xFEEFFFFF is never translated (writes are interrupts, reads fault).
 *  - After `unmap` of a strict domain returns, no IOTLB entry for the range survives; a lazy
 *    (flush-queue) domain keeps them until the queue drains. Unmanaged domains are strict.
 *  - Translations live in the IOTLB as references to walked leaves: a stale entry keeps
 *    pointing at the old physical page, as hardware does.
 *
 * The configuration and result shapes are in iommu-types.ts (re-exported here).
 */
import { fail, okVoid, type Result } from '../../base/result.js';
import type { Scheduler } from '../../base/clock.js';
import { MAX_PHYS, type PhysMem } from '../memory/phys-mem.js';
import { IommuDomain, type DomainType } from './domain.js';
import { FAULT, FaultRecorder, linuxFaultLine, type FaultInput, type FaultRecord } from './faults.js';
import { PGSIZES_4K_2M_1G, type Leaf, type Prot } from './io-pgtable.js';
import { Iotlb, type InvalidationPolicy } from './iotlb.js';
import { compatMessage, InterruptRemapTable, type MsiMessage } from './interrupt-remap.js';
import { ContextTable, type AttachOptions, type ContextEntry } from './context-table.js';
import { PageRequestQueue, type PageRequest, type PageResponseCode } from './page-requests.js';
import type { AddressType, DmaOptions, DmaResult, IommuConfig, PhysSink, Platform } from './iommu-types.js';
import { IOAPIC_RANGE_END, IOAPIC_RANGE_START } from '../../uapi/x86.js';
import { TablePages } from './table-pages.js';

const WIN_FIRST_PFN = Number(IOAPIC_RANGE_START >> 12n);
const WIN_END_PFN = Number((IOAPIC_RANGE_END + 1n) >> 12n);
const MAX_PHYS_PFN = MAX_PHYS / 4096;
const U64_LIMIT = 1n << 64n;
/** Pages of an "unbounded" contiguous run (passthrough), kept within safe integers. */
const FAR = 2 ** 40;

/** Outcome of resolving one page for the DMA loop (reused object, no allocation). */
interface Step {
  /** Physical pfn of page `ipfn`, or -1 for "no memory there". */
  ppfn: number;
  /** First IOVA pfn past the contiguous run that starts at `ipfn`. */
  endPfn: number;
  leaf: Leaf | null;
}

export class Iommu {
  readonly addressWidth: number;
  readonly pageSizes: bigint;
  readonly platform: Platform;
  readonly invalidation: InvalidationPolicy;
  readonly mem: PhysMem;
  readonly iotlb: Iotlb;
  readonly faults: FaultRecorder;
  /** Page requests (PRI) waiting for the OS. */
  readonly prq = new PageRequestQueue();
  /** Null when interrupt remapping is off. */
  readonly irt: InterruptRemapTable | null;
  /** Where a delivered interrupt message goes (the CPUs' interrupt controller). */
  private readonly msiSink: ((msg: MsiMessage) => void) | undefined;
  /** Where the IOMMU's event lines go (the machine's trace), given at construction. */
  private readonly onEvent: ((kind: string, text: string) => void) | undefined;
  /** Where a translated access goes when its physical range may not be RAM (IommuConfig.physSink). */
  private readonly physSink: PhysSink | undefined;
  private readonly scheduler: Scheduler;
  private readonly coversFn: (rid: number) => boolean;
  private readonly contexts: ContextTable;
  private readonly domains = new Map<number, IommuDomain>();
  /** The memory page-table pages come from, shared by every domain (null: unlimited). */
  readonly tablePages: TablePages | null;
  private nextDomainId = 1;
  private readonly widthPages: number;
  private readonly x86: boolean;
  private readonly step: Step = { ppfn: 0, endPfn: 0, leaf: null };
  /** IRTE index of the interrupt that just failed remapping, for its fault record. */
  private lastIrIndex: number | undefined;

  constructor(mem: PhysMem, scheduler: Scheduler, config: IommuConfig = {}) {
    this.mem = mem;
    this.scheduler = scheduler;
    this.addressWidth = config.addressWidth ?? 48;
    this.pageSizes = config.pageSizes ?? PGSIZES_4K_2M_1G;
    this.platform = config.platform ?? 'intel';
    this.invalidation = config.invalidation ?? 'strict';
    this.widthPages = 2 ** (this.addressWidth - 12);
    this.x86 = this.platform !== 'arm';
    this.coversFn = config.covers ?? (() => true);
    this.contexts = new ContextTable(this.platform === 'intel');
    this.msiSink = config.msiSink;
    this.physSink = config.physSink;
    this.onEvent = config.onEvent;
    this.iotlb = new Iotlb({
      scheduler,
      capacity: config.iotlbCapacity ?? 0,
      fqSize: config.fqSize ?? 256,
      fqTimeoutNs: config.fqTimeoutNs ?? 10_000_000n,
      onEvent: config.onEvent,
    });
    const fopts: { slots: number; compress: boolean; ridName?: (rid: number) => string } = {
      slots: config.faultSlots ?? 8,
      compress: config.faultCompression ?? false,
    };
    if (config.ridName !== undefined) fopts.ridName = config.ridName;
    this.faults = new FaultRecorder(fopts);
    this.irt = config.interruptRemapping === false ? null : new InterruptRemapTable(config.irteCount ?? 65536);
    this.tablePages = config.pageTablePages === undefined ? null : new TablePages(config.pageTablePages);
    // a throw-away domain validates width and page sizes now rather than at first use
    void new IommuDomain(0, 'blocked', this.addressWidth, this.pageSizes, false);
  }

  // ---- domains ----

  /**
   * A new domain. Only 'DMA-FQ' uses the flush queue: as in Linux the type decides, and
   * iommu.strict=0 (`invalidation: 'lazy'`) only makes the kernel pick DMA-FQ as the default
   * type — an untrusted device still gets a strict 'DMA' domain on a lazily booted unit.
   */
  allocDomain(type: DomainType): IommuDomain {
    const lazy = type === 'DMA-FQ';
    const d = new IommuDomain(this.nextDomainId++, type, this.addressWidth, this.pageSizes, lazy, this.tablePages);
    this.domains.set(d.id, d);
    return d;
  }

  /** Release a domain. EBUSY while any RID is attached (iommu_domain_free callers must detach first). */
  freeDomain(domain: IommuDomain): Result<void> {
    if (!this.domains.has(domain.id)) return fail('ENOENT', 'freeDomain: not a domain of this unit');
    if (this.contexts.attachedCount(domain) > 0) return fail('EBUSY', 'freeDomain: RIDs still attached');
    this.iotlb.flushQueue(domain.id);
    this.iotlb.invalidateDomain(domain.id);
    this.domains.delete(domain.id);
    domain.pageTable.releasePool();
    return okVoid();
  }

  domainsList(): IommuDomain[] {
    return [...this.domains.values()];
  }

  // ---- context table ----

  covers(rid: number): boolean {
    return this.coversFn(rid);
  }

  /** Point `rid` at `domain`: translate, passthrough for 'identity', blocked for 'blocked'. */
  attach(rid: number, domain: IommuDomain, opts: AttachOptions = {}): void {
    this.contexts.attach(rid, domain, opts);
  }

  /** Block all DMA from `rid` (Linux blocking domain: context entry cleared → fault 0x2). */
  setBlocked(rid: number): void {
    this.contexts.setBlocked(rid);
  }

  /** Remove the context entry of `rid` (its bus keeps its context table, as Linux does). */
  detach(rid: number): void {
    this.contexts.clear(rid);
  }

  contextOf(rid: number): ContextEntry | undefined {
    return this.contexts.get(rid);
  }

  // ---- map / unmap keeping the IOTLB coherent ----

  /** iommu_map(): EINVAL for a non-paging domain, then the page table's own checks. */
  map(domain: IommuDomain, iova: bigint, pa: bigint, size: bigint, prot: Prot): Result<void> {
    if (!domain.translates) return fail('EINVAL', '__iommu_map: domain is not a paging domain');
    return domain.pageTable.map(iova, pa, size, prot);
  }

  /**
   * iommu_unmap(): removes whole leaves (may unmap more than asked; returns bytes removed),
   * then invalidates the IOTLB synchronously, or queues it for a flush-queue domain.
   */
  unmap(domain: IommuDomain, iova: bigint, size: bigint): Result<bigint> {
    if (!domain.translates) return fail('EINVAL', '__iommu_unmap: domain is not a paging domain');
    const r = domain.pageTable.unmapLeaves(iova, size);
    if (!r.ok) return r;
    const leaves = r.value;
    if (leaves.length === 0) return { ok: true, value: 0n };
    const first = leaves[0]!;
    const last = leaves[leaves.length - 1]!;
    const start = BigInt(first.iovaPfn) << 12n;
    const end = BigInt(last.iovaPfn + last.pages) << 12n;
    let pages = 0;
    for (const l of leaves) pages += l.pages;
    this.iotlb.unmapped(domain.id, start, end - start, domain.lazyFlush ? 'lazy' : 'strict');
    return { ok: true, value: BigInt(pages) << 12n };
  }

  /** Drain every flush queue now (e.g. before a lazy domain's pages are reused). */
  flushQueues(): number {
    return this.iotlb.flushQueue();
  }

  // ---- the DMA path ----

  dmaRead(rid: number, iova: bigint, len: number, opts?: DmaOptions): DmaResult {
    if (opts?.at === 'translation-request') return this.translationRequest(rid, iova, opts);
    const data = new Uint8Array(len);
    const r = this.dma(rid, iova, len, false, data, 0, opts);
    if (r.ok) return { ok: true, data, bytes: len };
    return { ...r, data: data.subarray(0, r.bytesDone) };
  }

  /** dmaRead into a caller buffer (no allocation): fills `dst[dstOff..dstOff+len)`. */
  dmaReadInto(rid: number, iova: bigint, dst: Uint8Array, dstOff = 0, len = dst.length - dstOff, opts?: DmaOptions): DmaResult {
    return this.dma(rid, iova, len, false, dst, dstOff, opts);
  }

  dmaWrite(rid: number, iova: bigint, data: Uint8Array, opts?: DmaOptions): DmaResult {
    if (opts?.at === 'translation-request') return this.translationRequest(rid, iova, opts);
    return this.dma(rid, iova, data.length, true, data, 0, opts);
  }

  /** An ATS translation request: walk (faults as for DMA) and return the leaf, no memory access. */
  translationRequest(rid: number, iova: bigint, opts?: DmaOptions): DmaResult {
    const ctx = this.coversFn(rid) ? this.contexts.get(rid) : undefined;
    const pasid = opts?.pasid;
    const at = 'translation-request';
    if (ctx === undefined) return this.dmaFault(rid, iova, false, this.contexts.missingCode(rid), 0, at, pasid);
    if (ctx.mode === 'blocked') return this.dmaFault(rid, iova, false, FAULT.CONTEXT_NOT_PRESENT, 0, at, pasid);
    if (!ctx.atsAllowed) return this.dmaFault(rid, iova, false, FAULT.TRANSLATION_BLOCKED, 0, at, pasid);
    if (ctx.mode === 'passthrough') return { ok: true, bytes: 0, translation: { pa: iova & ~0xfffn, size: 0x1000n, read: true, write: true } };
    if (iova >= BigInt(this.widthPages) << 12n) return this.dmaFault(rid, iova, false, FAULT.BEYOND_MGAW, 0, at, pasid);
    const ipfn = Number(iova >> 12n);
    const leaf = this.iotlb.lookup(ctx.domain.id, ipfn) ?? ctx.domain.pageTable.walk(ipfn);
    if (leaf === undefined) return this.dmaFault(rid, iova, false, FAULT.READ, 0, at, pasid);
    this.iotlb.insert(ctx.domain.id, leaf);
    const translation = { pa: BigInt(leaf.pfn) << 12n, size: BigInt(leaf.pages) << 12n, read: leaf.read, write: leaf.write };
    return { ok: true, bytes: 0, translation };
  }

  // ---- PCIe page requests (PRI) ----

  /**
   * A Page Request from `rid` for the page holding `iova`: accepted into the queue only when
   * the RID's context entry translates and has PRI enabled (false otherwise: a device with
   * PRI off cannot send one). `deliver` gets the Page Group Response later, on the clock.
   */
  pageRequest(rid: number, iova: bigint, access: { read: boolean; write: boolean; grpid: number }, deliver: (code: PageResponseCode) => void): boolean {
    const ctx = this.coversFn(rid) ? this.contexts.get(rid) : undefined;
    if (ctx === undefined || ctx.mode !== 'translate' || ctx.priEnabled !== true) return false;
    const addr = iova & ~0xfffn;
    this.prq.push({ rid, addr, read: access.read, write: access.write, grpid: access.grpid, domainId: ctx.domain.id, deliver, responded: false });
    this.onEvent?.('iommu', `page request from ${this.faults.ridNameOf(rid)}: ${access.write ? 'write' : 'read'} 0x${addr.toString(16)} (group ${access.grpid})`);
    return true;
  }

  /** The domain a queued request names, if it still exists. */
  domainById(id: number): IommuDomain | undefined {
    return this.domains.get(id);
  }

  /** Send the Page Group Response for `req` (once); the device sees it on the next clock step. */
  pageResponse(req: PageRequest, code: PageResponseCode): void {
    if (req.responded) return;
    req.responded = true;
    this.onEvent?.('iommu', `page response to ${this.faults.ridNameOf(req.rid)} for 0x${req.addr.toString(16)}: ${code}`);
    this.scheduler.after(0n, `iommu page response (group ${req.grpid})`, () => req.deliver(code));
  }

  /** Every fault since boot, oldest first (a copy). */
  faultLog(): FaultRecord[] {
    return this.faults.log();
  }

  // ---- internals ----

  /**
   * The shared read/write loop. Works in (page frame, offset) numbers; each iteration
   * handles the longest run that one translation covers (a leaf, or a passthrough span up
   * to the interrupt window), which is the same as doing its 4 KiB pieces one by one.
   */
  private dma(rid: number, iova: bigint, len: number, write: boolean, buf: Uint8Array, bufOff: number, opts?: DmaOptions): DmaResult {
    if (!(Number.isInteger(len) && len >= 0) || iova < 0n || iova + BigInt(len) > U64_LIMIT) {
      throw new RangeError(`DMA [0x${iova.toString(16)}, +${len}) outside the u64 address space`);
    }
    const at = opts?.at ?? 'untranslated';
    const covered = this.coversFn(rid);
    const ctx = covered ? this.contexts.get(rid) : undefined;
    let ipfn = Number(iova >> 12n);
    let off = Number(iova & 0xfffn);
    let done = 0;
    let runPa = -1;
    let runLen = 0;
    while (done < len) {
      if (this.x86 && ipfn >= WIN_FIRST_PFN && ipfn < WIN_END_PFN) {
        this.flushRun(runPa, runLen, write, buf, bufOff + done - runLen);
        runPa = -1;
        runLen = 0;
        const n = Math.min(len - done, 4096 - off);
        const code = write ? this.interrupt(rid, covered, ipfn * 4096 + off, buf, bufOff + done, n) : FAULT.INTERRUPT_WINDOW_READ;
        if (code !== 0) return this.dmaFault(rid, this.addr(ipfn, off), write, code, done, at, opts?.pasid, ctx?.faultReportingDisabled);
        done += n;
        off += n;
        if (off === 4096) { ipfn++; off = 0; }
        continue;
      }
      const code = this.resolve(rid, ipfn, covered, ctx, at, write);
      if (code !== 0) {
        this.flushRun(runPa, runLen, write, buf, bufOff + done - runLen);
        return this.dmaFault(rid, this.addr(ipfn, off), write, code, done, at, opts?.pasid, ctx?.faultReportingDisabled);
      }
      const s = this.step;
      let endPfn = s.endPfn;
      if (this.x86 && ipfn < WIN_FIRST_PFN && endPfn > WIN_FIRST_PFN) endPfn = WIN_FIRST_PFN;
      const n = Math.min(len - done, (endPfn - ipfn) * 4096 - off);
      const pa = s.ppfn < 0 ? -1 : s.ppfn * 4096 + off;
      if (runPa >= 0 && pa === runPa + runLen) runLen += n;
      else {
        this.flushRun(runPa, runLen, write, buf, bufOff + done - runLen);
        runPa = pa;
        runLen = pa < 0 ? 0 : n;
        if (pa < 0) this.unreachable(write, buf, bufOff + done, n);
      }
      if (s.leaf !== null) {
        this.iotlb.countHits(Math.ceil((off + n) / 4096) - 1);
        if (write && ctx?.domain?.dirtyTracking) s.leaf.dirty = true;
      }
      done += n;
      const t = off + n;
      ipfn += Math.floor(t / 4096);
      off = t % 4096;
    }
    this.flushRun(runPa, runLen, write, buf, bufOff + done - runLen);
    return { ok: true, bytes: len };
  }

  /** Resolve page `ipfn` into this.step; returns 0 or a fault reason code. */
  private resolve(rid: number, ipfn: number, covered: boolean, ctx: ContextEntry | undefined, at: AddressType, write: boolean): number {
    const s = this.step;
    s.leaf = null;
    if (!covered || ctx?.mode === 'passthrough' || (at === 'translated' && ctx?.mode === 'translate' && ctx.atsAllowed)) {
      s.ppfn = ipfn < MAX_PHYS_PFN ? ipfn : -1;
      s.endPfn = ipfn < MAX_PHYS_PFN ? Math.min(MAX_PHYS_PFN, ipfn + FAR) : ipfn + 1;
      return 0;
    }
    if (ctx === undefined) return this.contexts.missingCode(rid);
    if (ctx.mode === 'blocked') return FAULT.CONTEXT_NOT_PRESENT;
    if (at === 'translated') return FAULT.TRANSLATION_BLOCKED;
    if (ipfn >= this.widthPages) return FAULT.BEYOND_MGAW;
    const dom = ctx.domain;
    let leaf = this.iotlb.lookup(dom.id, ipfn);
    if (leaf === undefined) {
      leaf = dom.pageTable.walk(ipfn);
      if (leaf === undefined) return write ? FAULT.WRITE : FAULT.READ;
      this.iotlb.insert(dom.id, leaf);
    }
    if (write ? !leaf.write : !leaf.read) return write ? FAULT.WRITE : FAULT.READ;
    s.leaf = leaf;
    s.ppfn = leaf.pfn + (ipfn - leaf.iovaPfn);
    s.endPfn = leaf.iovaPfn + leaf.pages;
    return 0;
  }

  private flushRun(pa: number, n: number, write: boolean, buf: Uint8Array, bufOff: number): void {
    if (pa < 0 || n === 0) return;
    if (this.physSink?.(pa, write, buf, bufOff, n) === true) return;
    if (write) this.mem.writeAt(pa, buf, bufOff, n);
    else this.mem.readAt(pa, buf, bufOff, n);
  }

  /** Memory beyond MAXPHYADDR: writes vanish, reads return all ones (master abort). */
  private unreachable(write: boolean, buf: Uint8Array, bufOff: number, n: number): void {
    if (!write) buf.fill(0xff, bufOff, bufOff + n);
  }

  private addr(ipfn: number, off: number): bigint {
    return (BigInt(ipfn) << 12n) | BigInt(off);
  }

  /** An MSI write in the interrupt window; returns 0 when delivered, else the IR fault code. */
  private interrupt(rid: number, covered: boolean, address: number, buf: Uint8Array, bufOff: number, n: number): number {
    const data = n >= 4 ? (buf[bufOff]! | (buf[bufOff + 1]! << 8) | (buf[bufOff + 2]! << 16) | (buf[bufOff + 3]! << 24)) >>> 0 : 0;
    let msg: MsiMessage;
    if (this.irt === null || !covered) {
      if (n !== 4 || address % 4 !== 0) {
        this.onEvent?.('msi', `malformed ${n}-byte write to the interrupt window from ${this.faults.ridNameOf(rid)} dropped`);
        return 0;
      }
      msg = compatMessage(rid, address, data);
    } else {
      const r = this.irt.remap(rid, address, data, n);
      if (!r.ok) {
        this.lastIrIndex = r.index;
        return r.code;
      }
      msg = r.msg;
    }
    this.onEvent?.('msi', `MSI from ${this.faults.ridNameOf(rid)}: vector ${msg.vector} dest ${msg.destination}${msg.remapped ? ` (IRTE ${msg.irteIndex})` : ' (compat)'}`);
    this.msiSink?.(msg);
    return 0;
  }

  private dmaFault(
    rid: number, iova: bigint, write: boolean, code: number, bytesDone: number,
    at: AddressType, pasid: number | undefined, fpd = false,
  ): DmaResult {
    const irIndex = code >= 0x20 ? this.lastIrIndex : undefined;
    this.lastIrIndex = undefined;
    const input: FaultInput = {
      time: this.scheduler.now(), rid, iova, access: write ? 'write' : 'read', code, at,
      ...(pasid === undefined ? {} : { pasid }),
      ...(irIndex === undefined ? {} : { interruptIndex: irIndex }),
    };
    const fault = this.faults.report(input, fpd);
    if (this.onEvent !== undefined && !fpd) this.onEvent('fault', linuxFaultLine(fault));
    return { ok: false, bytesDone, fault };
  }
}

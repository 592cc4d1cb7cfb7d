/**
 * One I/OAT DMA channel — the registers at BAR0 + 0x80 of a CBDMA function (ioat.ts) and the
 * engine behind them: a chain of 64-byte descriptors in host memory, run on the virtual clock.
 *
 * What must always hold: descriptors, data and the CHANCMP write-back go only through the
 * port (the function's DMA port: fabric → IOMMU); the first error halts the channel (HALTED,
 * a CHANERR bit) and nothing runs again until RESET; DMACOUNT counts modulo 2^16 and the
 * channel runs descriptors until it has completed that many since its chain began (writing
 * CHAINADDR while it is not ACTIVE begins a new chain at the next doorbell, as RESET does,
 * with the completed address back to 0); each descriptor takes `fetchNs + size / bytesPerUs`;
 * the interrupt fires once per arming (CHANCTRL.INT_REARM).
 * A descriptor chained to itself and owed r more times (no int_en, no compl_write; source,
 * destination and descriptor disjoint) is passed over r - 1 times in one stretch of virtual
 * time, then runs once more: the repeats in between would rewrite the same bytes. So the
 * selftest's 65,535-fold chain costs two copies. What that cannot show: a source changed or
 * unmapped in the middle of the stretch is seen at its end, not at the next repeat.
 */
import type { Scheduler } from '../../base/clock.js';
import { getLE, putLE } from './le-bytes.js';
import type { DmaOutcome } from './model-types.js';
import { Work } from './work.js';

/** Channel registers (absolute BAR0 offsets), their bits, and the descriptor (drivers/dma/ioat/registers.h, hw.h). */
export const IOAT_CHANNEL = {
  CHANCTRL: 0x80, DMA_COMP: 0x82, CHANCMD: 0x84, DMACOUNT: 0x86, CHANSTS: 0x88,
  CHAINADDR: 0x90, CHANCMP: 0x98, CHANERR: 0xa8, CHANERRMSK: 0xac,
  XFERCAP_LOG2: 20, DMA_COMP_V2: 0x0002,
  CHANCTRL_INT_REARM: 0x0001, CHANCTRL_ERR_COMPLETION_EN: 0x0004, CHANCTRL_ANY_ERR_ABORT_EN: 0x0008, CHANCTRL_ERR_INT_EN: 0x0010,
  CHANCMD_RESET: 0x20, CHANCMD_RESUME: 0x10, CHANCMD_ABORT: 0x08, CHANCMD_SUSPEND: 0x04,
  CHANSTS_ACTIVE: 0, CHANSTS_DONE: 1, CHANSTS_SUSPENDED: 2, CHANSTS_HALTED: 3, CHANSTS_STATUS: 0x7,
  CHANERR_NEXT_ADDR_ERR: 0x0004, CHANERR_NEXT_DESC_ALIGN_ERR: 0x0008, CHANERR_READ_DATA_ERR: 0x0100,
  CHANERR_WRITE_DATA_ERR: 0x0200, CHANERR_CONTROL_ERR: 0x0400, CHANERR_LENGTH_ERR: 0x0800,
  CHANERR_COMPLETION_ADDR_ERR: 0x1000,
  DESC_SIZE: 64, DESC_INT_EN: 0x1, DESC_COMPL_WRITE: 0x8, DESC_NULL: 0x20, OP_COPY: 0x00,
} as const;
const C = IOAT_CHANNEL;

/** What the channel needs from its PCI function. */
export interface ChannelPort {
  readonly clock: Scheduler;
  readonly name: string;
  dmaRead(addr: bigint, len: number): DmaOutcome;
  dmaWrite(addr: bigint, data: Uint8Array): DmaOutcome;
  /** The armed channel interrupts (the function decides how the message goes out). */
  signal(): void;
  /** A channel error, for the function's CHANERR_INT log. */
  logError(bits: number): void;
  trace(text: string): void;
}

/** A channel RESET completes this long after the command (CHANCMD.RESET reads 1 meanwhile). */
const RESET_NS = 1_000n;
/** CHANCTRL bits kept as written (INT_REARM acts and reads 0). */
const CHANCTRL_KEPT = 0xf33c;

interface Descriptor {
  readonly at: bigint;
  readonly size: number;
  readonly ctl: number;
  readonly src: bigint;
  readonly dst: bigint;
  readonly next: bigint;
}

const disjoint = (a: bigint, an: number, b: bigint, bn: number): boolean => a + BigInt(an) <= b || b + BigInt(bn) <= a;

export class IoatChannel {
  private chanctrl = 0;
  private dmacount = 0;
  private chainaddr = 0n;
  private chancmp = 0n;
  private chanerr = 0;
  private chanerrmsk = 0;
  private state: number = C.CHANSTS_HALTED;
  /** CHANSTS's completed descriptor address. */
  private completed = 0n;
  /** Descriptors completed since the chain began, modulo 2^16. */
  private count = 0;
  private next = 0n;
  private newChain = true;
  private errorHalt = false;
  private armed = false;
  /** Interrupted and not re-armed (ATTNSTATUS). */
  attention = false;
  private suspending = false;
  private desc: Descriptor | null = null;
  /** A self-chained descriptor being passed over: how many repeats, from when, each how long. */
  private run = { n: 0, start: 0n, each: 0n };
  private readonly resetting: Work;
  private readonly fetchWork: Work;
  private readonly copyWork: Work;
  private readonly runWork: Work;

  constructor(private readonly port: ChannelPort, private readonly timing: { readonly bytesPerUs: number; readonly fetchNs: bigint }) {
    const work = (what: string, fn: () => void) => new Work(port.clock, `ioat ${port.name} ${what}`, fn);
    this.resetting = work('reset', () => port.trace('channel reset done'));
    this.fetchWork = work('fetch', () => this.fetch());
    this.copyWork = work('copy', () => this.copy());
    this.runWork = work('self-chained run', () => this.endRun());
  }

  /** The register at BAR0 offset `at` (0 for offsets that are none). */
  read(at: number): bigint {
    switch (at) {
      case C.CHANCTRL: return BigInt(this.chanctrl);
      case C.DMA_COMP: return BigInt(C.DMA_COMP_V2);
      case C.CHANCMD: return this.resetting.pending ? BigInt(C.CHANCMD_RESET) : 0n;
      case C.DMACOUNT: return BigInt(this.dmacount);
      case C.CHANSTS: return this.chansts();
      case C.CHAINADDR: return this.chainaddr;
      case C.CHANCMP: return this.chancmp;
      case C.CHANERR: return BigInt(this.chanerr);
      case C.CHANERRMSK: return BigInt(this.chanerrmsk);
      default: return 0n;
    }
  }

  /** A store to the register at `at`: `v` holds the written bytes in place, `mask` says which. */
  write(at: number, v: bigint, mask: bigint): void {
    const merge = (old: bigint | number): bigint => (BigInt(old) & ~mask) | v;
    switch (at) {
      case C.CHANCTRL: return this.writeChanctrl(Number(merge(this.chanctrl)));
      case C.CHANCMD: return this.command(Number(v));
      case C.DMACOUNT: return this.doorbell(Number(merge(this.dmacount)));
      case C.CHAINADDR: return this.writeChainaddr(merge(this.chainaddr));
      case C.CHANCMP: this.chancmp = merge(this.chancmp); return;
      case C.CHANERR: this.chanerr = (this.chanerr & ~Number(v)) >>> 0; return;
      case C.CHANERRMSK: this.chanerrmsk = Number(merge(this.chanerrmsk)) >>> 0; return;
    }
  }

  private chansts(): bigint {
    return (this.completed & ~0x3fn) | BigInt(this.state);
  }

  private writeChanctrl(v: number): void {
    this.chanctrl = v & CHANCTRL_KEPT;
    if (v & C.CHANCTRL_INT_REARM) {
      this.armed = true;
      this.attention = false;
    }
  }

  private writeChainaddr(v: bigint): void {
    this.chainaddr = v;
    if (this.state !== C.CHANSTS_ACTIVE) this.newChain = true;
  }

  private command(cmd: number): void {
    if (cmd & C.CHANCMD_RESET) return this.reset();
    if (this.resetting.pending) return;
    if (cmd & C.CHANCMD_SUSPEND) this.suspend();
    else if (cmd & C.CHANCMD_RESUME && this.state === C.CHANSTS_SUSPENDED) {
      this.state = C.CHANSTS_DONE;
      this.kick();
    }
  }

  private doorbell(v: number): void {
    this.dmacount = v & 0xffff;
    this.kick();
  }

  private owed(): number {
    return (this.dmacount - this.count) & 0xffff;
  }

  /** Start the next descriptor if one is owed and the channel may run. */
  private kick(): void {
    if (this.resetting.pending || this.errorHalt || this.state === C.CHANSTS_ACTIVE) return;
    if (this.newChain) {
      if (this.dmacount === 0) return;
      this.newChain = false;
      this.count = 0;
      this.next = this.chainaddr;
      this.completed = 0n;
    } else if (this.state !== C.CHANSTS_DONE) {
      return; // HALTED waits for a chain, SUSPENDED for RESUME
    }
    if (this.owed() === 0) return;
    this.state = C.CHANSTS_ACTIVE;
    this.fetchWork.start(this.timing.fetchNs);
  }

  /** SUSPEND: at once when DONE; when ACTIVE after the descriptor in progress. */
  private suspend(): void {
    if (this.state === C.CHANSTS_DONE) this.state = C.CHANSTS_SUSPENDED;
    if (this.state !== C.CHANSTS_ACTIVE) return;
    this.suspending = true;
    if (!this.runWork.pending) return;
    const { start, each } = this.run;
    const now = this.port.clock.now();
    const k = each === 0n ? this.run.n : Math.min(this.run.n, Number((now - start) / each) + 1);
    this.run.n = k;
    this.runWork.start(start + BigInt(k) * each - now);
  }

  private fetch(): void {
    const at = this.next;
    if (at & 0x3fn) return this.fail(C.CHANERR_NEXT_DESC_ALIGN_ERR, at);
    const r = this.port.dmaRead(at, C.DESC_SIZE);
    if (!r.ok) return this.fail(C.CHANERR_NEXT_ADDR_ERR, at);
    const b = r.data;
    const d: Descriptor = {
      at, size: Number(getLE(b, 0, 4)), ctl: Number(getLE(b, 4, 4)),
      src: getLE(b, 8, 8), dst: getLE(b, 16, 8), next: getLE(b, 24, 8),
    };
    if (d.ctl >>> 24 !== C.OP_COPY) return this.fail(C.CHANERR_CONTROL_ERR, at);
    if (d.size === 0 || d.size > 2 ** C.XFERCAP_LOG2) return this.fail(C.CHANERR_LENGTH_ERR, at);
    this.desc = d;
    this.copyWork.start(this.transferNs(d));
  }

  private transferNs(d: Descriptor): bigint {
    return d.ctl & C.DESC_NULL ? 0n : BigInt(Math.ceil((d.size * 1000) / this.timing.bytesPerUs));
  }

  private copy(): void {
    const d = this.desc!;
    this.desc = null;
    if ((d.ctl & C.DESC_NULL) === 0) {
      const r = this.port.dmaRead(d.src, d.size);
      if (!r.ok) return this.fail(C.CHANERR_READ_DATA_ERR, r.fault?.iova ?? d.src);
      const w = this.port.dmaWrite(d.dst, r.data);
      if (!w.ok) return this.fail(C.CHANERR_WRITE_DATA_ERR, w.fault?.iova ?? d.dst);
    }
    this.completed = d.at;
    this.count = (this.count + 1) & 0xffff;
    this.next = d.next;
    this.settle();
    if (d.ctl & C.DESC_COMPL_WRITE && !this.writeBack()) return this.fail(C.CHANERR_COMPLETION_ADDR_ERR, this.chancmp);
    if (d.ctl & C.DESC_INT_EN) this.interrupt();
    if (this.state !== C.CHANSTS_ACTIVE || this.selfChainedRun(d)) return;
    this.fetchWork.start(this.timing.fetchNs);
  }

  /** After a descriptor: SUSPENDED if asked, DONE when none is owed, else still ACTIVE. */
  private settle(): void {
    if (this.suspending) this.state = C.CHANSTS_SUSPENDED;
    else if (this.owed() === 0) this.state = C.CHANSTS_DONE;
    this.suspending = false;
  }

  /** Pass over all but the last of the owed repeats of a descriptor chained to itself. */
  private selfChainedRun(d: Descriptor): boolean {
    const n = this.owed() - 1;
    if (n < 1 || d.next !== d.at || d.ctl & (C.DESC_INT_EN | C.DESC_COMPL_WRITE)) return false;
    if (!disjoint(d.src, d.size, d.dst, d.size) || !disjoint(d.at, C.DESC_SIZE, d.dst, d.size)) return false;
    const each = this.timing.fetchNs + this.transferNs(d);
    this.run = { n, start: this.port.clock.now(), each };
    this.runWork.start(BigInt(n) * each);
    this.port.trace(`descriptor at 0x${d.at.toString(16)} chained to itself: ${n} repeats rewrite the same bytes, then the last runs`);
    return true;
  }

  private endRun(): void {
    this.count = (this.count + this.run.n) & 0xffff;
    this.run.n = 0;
    if (this.suspending || this.owed() === 0) return this.settle();
    this.fetchWork.start(this.timing.fetchNs);
  }

  /** The CHANSTS value to CHANCMP (8 bytes). */
  private writeBack(): boolean {
    const b = new Uint8Array(8);
    putLE(b, 0, 8, this.chansts());
    return this.port.dmaWrite(this.chancmp, b).ok;
  }

  private interrupt(): void {
    if (!this.armed) return;
    this.armed = false;
    this.attention = true;
    this.port.signal();
  }

  private fail(err: number, addr: bigint): void {
    this.stop();
    this.chanerr = (this.chanerr | err) >>> 0;
    this.port.logError(err);
    this.state = C.CHANSTS_HALTED;
    this.errorHalt = true;
    this.port.trace(`halted: CHANERR 0x${err.toString(16)} at 0x${addr.toString(16)}`);
    if (this.chanctrl & C.CHANCTRL_ERR_COMPLETION_EN) this.writeBack();
    if (this.chanctrl & C.CHANCTRL_ERR_INT_EN) this.interrupt();
  }

  private stop(): void {
    for (const w of [this.fetchWork, this.copyWork, this.runWork, this.resetting]) w.cancel();
    this.desc = null;
    this.run.n = 0;
    this.suspending = false;
  }

  /** CHANCMD.RESET: the channel stops and forgets its chain; CHANERR stays until cleared. */
  reset(): void {
    this.stop();
    this.chanctrl = this.dmacount = this.count = 0;
    this.chainaddr = this.chancmp = this.completed = this.next = 0n;
    this.state = C.CHANSTS_HALTED;
    this.newChain = true;
    this.errorHalt = this.armed = this.attention = false;
    this.resetting.start(RESET_NS);
  }

  /** A function reset: power-on state, no reset in progress, no errors. */
  powerOn(): void {
    this.reset();
    this.resetting.cancel();
    this.chanerr = this.chanerrmsk = 0;
  }
}

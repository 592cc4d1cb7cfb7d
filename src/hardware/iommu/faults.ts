/**
 * VT-d style fault reporting: a few hardware recording slots that software must clear,
 * and beside them a complete, unbounded log of every fault for tests and `host.faults()`.
 *
 * Slot behaviour (VT-d spec 7.2 as QEMU's vtd_report_frcd_fault() models it):
 *   1. overflow flag (PFO) set → the fault is lost;
 *   2. compression on and a pending record from the same source id → folded into it;
 *   3. the next slot (circular index) still pending → set overflow, fault lost;
 *   4. otherwise record it there; a fault interrupt is raised only if none was pending.
 * A context with fault reporting disabled (FPD) records nothing; the access still fails.
 *
 * Invariants: the log holds every reported fault in report order, whatever happened to
 * it in the slots (its `recorded` field says what); slots only change by report/clear.
 */

/** Fault reason codes and Linux's texts (drivers/iommu/intel/dmar.c dma_remap_fault_reasons / irq_remap_fault_reasons). */
export const FAULT_REASONS = {
  0x0: 'Software',
  0x1: 'Present bit in root entry is clear',
  0x2: 'Present bit in context entry is clear',
  0x3: 'Invalid context entry',
  0x4: 'Access beyond MGAW',
  0x5: 'PTE Write access is not set',
  0x6: 'PTE Read access is not set',
  0x7: 'Next page table ptr is invalid',
  0x8: 'Root table address invalid',
  0x9: 'Context table ptr is invalid',
  0xa: 'non-zero reserved fields in RTP',
  0xb: 'non-zero reserved fields in CTP',
  0xc: 'non-zero reserved fields in PTE',
  0xd: 'PCE for translation request specifies blocking',
  0x20: 'Detected reserved fields in the decoded interrupt-remapped request',
  0x21: 'Interrupt index exceeded the interrupt-remapping table size',
  0x22: 'Present field in the IRTE entry is clear',
  0x23: 'Error accessing interrupt-remapping table pointed by IRTA_REG',
  0x24: 'Detected reserved fields in the IRTE entry',
  0x25: 'Blocked a compatibility format interrupt request',
  0x26: 'Blocked an interrupt request due to source-id verification failure',
} as const;

export type FaultCode = keyof typeof FAULT_REASONS;

/** Named codes, so callers need not write magic numbers. */
export const FAULT = {
  ROOT_NOT_PRESENT: 0x1,
  CONTEXT_NOT_PRESENT: 0x2,
  BEYOND_MGAW: 0x4,
  WRITE: 0x5,
  READ: 0x6,
  TRANSLATION_BLOCKED: 0xd,
  /** Not in Linux's table (it prints "Unknown"): a read of the x86 interrupt window. */
  INTERRUPT_WINDOW_READ: 0xe,
  IR_RESERVED: 0x20,
  IR_INDEX: 0x21,
  IR_NOT_PRESENT: 0x22,
  IR_COMPAT_BLOCKED: 0x25,
  IR_SID: 0x26,
} as const;

/** Linux's text for a code; "Unknown" for codes outside its tables, as dmar_get_fault_reason() says. */
export function faultReason(code: number): string {
  return (FAULT_REASONS as Record<number, string>)[code] ?? 'Unknown';
}

export type FaultDisposition = 'recorded' | 'compressed' | 'overflow' | 'lost' | 'suppressed';

export interface FaultRecord {
  /** Virtual ns since boot. */
  readonly time: bigint;
  /** Requester id as the IOMMU saw it, as a full bdf ("0000:03:00.0"). */
  readonly source: string;
  /** The exact address of the faulting request (not page-aligned). */
  readonly iova: bigint;
  readonly access: 'read' | 'write';
  /** Linux's reason text, e.g. "PTE Write access is not set". */
  readonly reason: string;
  readonly code: number;
  readonly pasid?: number;
  /** The 16-bit requester id (bus << 8 | devfn). */
  readonly rid: number;
  readonly at?: 'untranslated' | 'translated' | 'translation-request';
  /** For interrupt-remapping faults: the IRTE index (handle) of the message. */
  readonly interruptIndex?: number;
  /** What the recording slots did with it. */
  readonly recorded: FaultDisposition;
}

export type FaultInput = Omit<FaultRecord, 'source' | 'reason' | 'recorded'>;

export function defaultRidName(rid: number): string {
  const h = (v: number, w: number): string => v.toString(16).padStart(w, '0');
  return `0000:${h(rid >> 8, 2)}:${h((rid >> 3) & 0x1f, 2)}.${rid & 7}`;
}

export interface FaultRecorderOptions {
  slots?: number;
  compress?: boolean;
  ridName?: (rid: number) => string;
}

export class FaultRecorder {
  readonly slotCount: number;
  readonly compress: boolean;
  private readonly ridName: (rid: number) => string;
  private readonly slotArr: Array<FaultRecord | null>;
  private next = 0;
  private overflowFlag = false;
  private readonly all: FaultRecord[] = [];
  /** Fault-event interrupts the unit would have raised. */
  interrupts = 0;

  constructor(opts: FaultRecorderOptions = {}) {
    this.slotCount = opts.slots ?? 8;
    this.compress = opts.compress ?? false;
    this.ridName = opts.ridName ?? defaultRidName;
    this.slotArr = new Array<FaultRecord | null>(this.slotCount).fill(null);
  }

  /** Report a fault; `suppressed` when the context has fault reporting disabled. */
  report(f: FaultInput, suppressed = false): FaultRecord {
    const recorded = suppressed ? 'suppressed' : this.place(f.rid);
    const rec: FaultRecord = { ...f, source: this.ridName(f.rid), reason: faultReason(f.code), recorded };
    if (recorded === 'recorded') {
      if (this.pendingCount() === 0) this.interrupts++;
      this.slotArr[this.next] = rec;
      this.next = (this.next + 1) % this.slotCount;
    }
    this.all.push(rec);
    return rec;
  }

  /** The full bdf this unit prints for `rid`. */
  ridNameOf(rid: number): string {
    return this.ridName(rid);
  }

  get overflow(): boolean {
    return this.overflowFlag;
  }

  /** The recording slots (null = free), in slot order. */
  slots(): ReadonlyArray<FaultRecord | null> {
    return [...this.slotArr];
  }

  pendingCount(): number {
    let n = 0;
    for (const s of this.slotArr) if (s !== null) n++;
    return n;
  }

  /** Software writes 1 to the slot's F bit. */
  clearSlot(index: number): void {
    if (index >= 0 && index < this.slotCount) this.slotArr[index] = null;
  }

  /** Software writes 1 to FSTS.PFO. */
  clearOverflow(): void {
    this.overflowFlag = false;
  }

  clearAll(): void {
    this.slotArr.fill(null);
    this.overflowFlag = false;
  }

  /** Every fault since creation, oldest first (a copy). */
  log(): FaultRecord[] {
    return [...this.all];
  }

  get logLength(): number {
    return this.all.length;
  }

  private place(rid: number): FaultDisposition {
    if (this.overflowFlag) return 'lost';
    if (this.compress && this.slotArr.some((s) => s !== null && s.rid === rid)) return 'compressed';
    if (this.slotArr[this.next] !== null) {
      this.overflowFlag = true;
      return 'overflow';
    }
    return 'recorded';
  }
}

/** The line Linux's dmar_fault_do_one() would print for this fault. */
export function linuxFaultLine(f: FaultRecord): string {
  const bdf = `${(f.rid >> 8).toString(16).padStart(2, '0')}:${((f.rid >> 3) & 0x1f).toString(16).padStart(2, '0')}.${f.rid & 7}`;
  const code = `0x${f.code.toString(16).padStart(2, '0')}`;
  if (f.code >= 0x20 && f.code < 0x30) {
    return `DMAR: [INTR-REMAP] Request device [${bdf}] fault index 0x${(f.interruptIndex ?? 0).toString(16)} [fault reason ${code}] ${f.reason}`;
  }
  const kind = f.access === 'write' ? 'DMA Write' : 'DMA Read';
  const pasid = f.pasid === undefined ? 'NO_PASID' : `PASID ${f.pasid}`;
  return `DMAR: [${kind} ${pasid}] Request device [${bdf}] fault addr 0x${(f.iova & ~0xfffn).toString(16)} [fault reason ${code}] ${f.reason}`;
}

/**
 * Interrupt remapping (Intel IR; AMD IR and Arm ITS are modelled with the same table).
 *
 * The OS programs Interrupt Remapping Table Entries; a device's MSI write to the x86
 * interrupt window 0xFEE00000–0xFEEFFFFF then carries a handle instead of a vector and
 * destination. Decoding (VT-d 5.1.2): address bit 4 = 1 → remappable format; handle[14:0]
 * = address bits 19:5, handle[15] = address bit 2; bit 3 (SHV) adds data[15:0] as a
 * subhandle. Address bit 4 = 0 → compatibility format: destination = address bits 19:12,
 * vector = data bits 7:0, delivery mode = data bits 10:8.
 *
 * Checks in hardware order, each with its fault reason: reserved fields in the request
 * (0x20), compatibility format blocked (0x25), index beyond the table (0x21), IRTE not
 * present (0x22), source-id verification (0x26).
 *
 * Invariants: indices are allocated lowest-free-first; a freed entry is not present.
 */
import { X86_MSI_BASE_ADDRESS_LOW } from '../../uapi/x86.js';

export type SourceValidation = 'rid' | 'none' | { readonly busFrom: number; readonly busTo: number };

export interface Irte {
  readonly present: boolean;
  readonly vector: number;
  readonly destination: number;
  /** 0 fixed, 1 lowest priority, 2 SMI, 4 NMI, 5 INIT, 7 ExtINT. */
  readonly deliveryMode: number;
  /** The requester id the entry belongs to (SID field). */
  readonly sourceRid: number;
  /** How the SID is verified (SVT/SQ); default exact RID match. */
  readonly sourceValidation: SourceValidation;
}

export interface IrteInit {
  vector: number;
  destination: number;
  sourceRid: number;
  deliveryMode?: number;
  sourceValidation?: SourceValidation;
}

/** An interrupt as delivered to the CPUs (the host's MSI sink). */
export interface MsiMessage {
  readonly rid: number;
  readonly address: bigint;
  readonly data: number;
  readonly vector: number;
  readonly destination: number;
  readonly deliveryMode: number;
  /** True when it went through an IRTE, false for a compatibility-format pass-through. */
  readonly remapped: boolean;
  readonly irteIndex?: number;
}

export type RemapOutcome =
  | { readonly ok: true; readonly msg: MsiMessage }
  | { readonly ok: false; readonly code: number; readonly index?: number };


export class InterruptRemapTable {
  readonly size: number;
  /** Block compatibility-format interrupts (GSTS.CFIS clear), as Linux does with x2APIC. */
  blockCompatFormat: boolean;
  private readonly entries = new Map<number, Irte>();

  constructor(size = 65536, opts: { blockCompatFormat?: boolean } = {}) {
    this.size = size;
    this.blockCompatFormat = opts.blockCompatFormat ?? true;
  }

  /** Program the lowest free entry; null when the table is full. */
  allocate(init: IrteInit): number | null {
    for (let i = 0; i < this.size; i++) {
      if (!this.entries.has(i)) {
        this.set(i, init);
        return i;
      }
    }
    return null;
  }

  /** Program entry `index` (present). */
  set(index: number, init: IrteInit): void {
    if (!(Number.isInteger(index) && index >= 0 && index < this.size)) throw new RangeError(`IRTE index ${index} outside table`);
    this.entries.set(index, {
      present: true,
      vector: init.vector & 0xff,
      destination: init.destination,
      deliveryMode: init.deliveryMode ?? 0,
      sourceRid: init.sourceRid,
      sourceValidation: init.sourceValidation ?? 'rid',
    });
  }

  /** Clear entry `index`; false when it was not allocated. */
  free(index: number): boolean {
    return this.entries.delete(index);
  }

  get(index: number): Irte | undefined {
    return this.entries.get(index);
  }

  /** Allocated entries in index order. */
  list(): Array<[number, Irte]> {
    return [...this.entries].sort((a, b) => a[0] - b[0]);
  }

  /** Decode and check one MSI write (`len` bytes at `address`) from `rid`. */
  remap(rid: number, address: number, data: number, len: number): RemapOutcome {
    if (len !== 4 || address % 4 !== 0) return { ok: false, code: 0x20 };
    if ((address & 0x10) === 0) {
      if (this.blockCompatFormat) return { ok: false, code: 0x25 };
      return { ok: true, msg: compatMessage(rid, address, data) };
    }
    let index = ((address >>> 5) & 0x7fff) | ((address & 0x4) << 13);
    if ((address & 0x8) !== 0) index += data & 0xffff;
    if (index >= this.size) return { ok: false, code: 0x21, index };
    const e = this.entries.get(index);
    if (e === undefined || !e.present) return { ok: false, code: 0x22, index };
    if (!sidMatches(e, rid)) return { ok: false, code: 0x26, index };
    const msg: MsiMessage = {
      rid,
      address: BigInt(address),
      data,
      vector: e.vector,
      destination: e.destination,
      deliveryMode: e.deliveryMode,
      remapped: true,
      irteIndex: index,
    };
    return { ok: true, msg };
  }
}

function sidMatches(e: Irte, rid: number): boolean {
  const v = e.sourceValidation;
  if (v === 'none') return true;
  if (v === 'rid') return e.sourceRid === rid;
  const bus = rid >> 8;
  return bus >= v.busFrom && bus <= v.busTo;
}

/** Compatibility-format decode: what the CPU gets when nothing remaps the message. */
export function compatMessage(rid: number, address: number, data: number): MsiMessage {
  return {
    rid,
    address: BigInt(address),
    data,
    vector: data & 0xff,
    destination: (address >>> 12) & 0xff,
    deliveryMode: (data >>> 8) & 7,
    remapped: false,
  };
}

/** The address a remappable-format MSI for IRTE `index` uses (what the kernel writes into the device). */
export function remappableAddress(index: number): number {
  return Number(X86_MSI_BASE_ADDRESS_LOW) + (((index & 0x7fff) << 5) | 0x10 | (((index >> 15) & 1) << 2));
}

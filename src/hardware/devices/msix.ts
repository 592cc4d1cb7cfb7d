/**
 * The MSI-X table and Pending Bit Array a function keeps in one of its BARs (PCI 3.0 §6.8.2).
 * Each table entry is 16 bytes: message address low/high, data, vector control (bit 0 mask,
 * set at reset). The PBA holds one read-only pending bit per vector.
 */
import type { AccessSize } from './model-types.js';

export class MsixState {
  readonly table: Uint8Array;
  private readonly pba: Uint8Array;

  constructor(readonly vectors: number) {
    this.table = new Uint8Array(16 * vectors);
    this.pba = new Uint8Array(8 * Math.ceil(vectors / 64));
    this.reset();
  }

  reset(): void {
    this.table.fill(0);
    this.pba.fill(0);
    for (let v = 0; v < this.vectors; v++) this.table[16 * v + 12] = 1;
  }

  readTable(off: number, size: AccessSize): bigint {
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.table[off + i] ?? 0);
    return v;
  }

  /** Returns true when a vector control word changed (a pending message may now go out). */
  writeTable(off: number, size: AccessSize, value: bigint): boolean {
    let ctl = false;
    for (let i = 0; i < size && off + i < this.table.length; i++) {
      const o = off + i;
      if (o % 16 >= 12) ctl = true;
      this.table[o] = Number((value >> BigInt(8 * i)) & 0xffn);
    }
    return ctl;
  }

  readPba(off: number, size: AccessSize): bigint {
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.pba[off + i] ?? 0);
    return v;
  }

  masked(v: number): boolean {
    return (this.table[16 * v + 12]! & 1) !== 0;
  }

  pending(v: number): boolean {
    return ((this.pba[v >> 3]! >> (v & 7)) & 1) !== 0;
  }

  setPending(v: number, on: boolean): void {
    if (on) this.pba[v >> 3] = this.pba[v >> 3]! | (1 << (v & 7));
    else this.pba[v >> 3] = this.pba[v >> 3]! & ~(1 << (v & 7));
  }

  address(v: number): bigint {
    return this.readTable(16 * v, 8);
  }

  data(v: number): number {
    return Number(this.readTable(16 * v + 8, 4));
  }
}

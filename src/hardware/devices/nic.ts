/**
 * A small Ethernet-like NIC: a TX and an RX descriptor ring in host memory, MSI-X vectors
 * for TX and RX completion, and an internal loopback. Register map: docs/devices/nic.md.
 *
 * What must always hold: descriptors and packet buffers are reached only through the DMA
 * port; a TX descriptor is completed (DONE written back) in ring order; with LOOPBACK set a
 * transmitted frame is received into the next free RX buffer, or counted as dropped when
 * the RX ring has none; frames from the wire (`receive`) take the same RX path.
 */
import { getLE, putLE } from './le-bytes.js';
import { PciDeviceModel } from './model.js';
import type { AccessSize, DeviceContext } from './model-types.js';
import { numParam } from './params.js';
import type { PciFunction } from '../topology/model.js';
import { z } from 'zod';
import type { DeviceModelInfo } from '../topology/model-catalog.js';
import { bytesPerUsField, mmioBar, nsField } from './catalog-fields.js';

export const NIC = {
  ID: 0x000, CTRL: 0x004, STATUS: 0x008,
  TX_RING_BASE: 0x010, TX_RING_SIZE: 0x018, TX_HEAD: 0x01c, TX_TAIL: 0x020,
  RX_RING_BASE: 0x030, RX_RING_SIZE: 0x038, RX_HEAD: 0x03c, RX_TAIL: 0x040,
  TX_VECTOR: 0x050, RX_VECTOR: 0x054, TX_PACKETS: 0x058, RX_PACKETS: 0x05c, RX_DROPPED: 0x060,
  MAC: 0x100,
  IDENT: 0x10f1_0001,
  CTRL_TX_EN: 0x1, CTRL_RX_EN: 0x2, CTRL_LOOPBACK: 0x4,
  DESC_SIZE: 16, DESC_DONE: 0x1, DESC_EOP: 0x2, DESC_ERR: 0x4,
} as const;

interface Ring { base: bigint; size: number; head: number; tail: number }

export class NicModel extends PciDeviceModel {
  private ctrl = 0;
  private readonly tx: Ring = { base: 0n, size: 0, head: 0, tail: 0 };
  private readonly rx: Ring = { base: 0n, size: 0, head: 0, tail: 0 };
  private txVector = 0;
  private rxVector = 1;
  private stats = { tx: 0, rx: 0, dropped: 0 };
  private busy = false;
  private generation = 0;
  private readonly bytesPerUs: number;
  /** Frames sent to the wire (when not in loopback), for tests and scenarios. */
  readonly wire: Uint8Array[] = [];

  constructor(fn: PciFunction, ctx: DeviceContext) {
    super(fn, ctx);
    this.bytesPerUs = numParam(fn, 'bytesPerUs', 1250); // 10 Gbit/s
  }

  get mac(): Uint8Array {
    return Uint8Array.of(0x52, 0x54, 0x00, this.fn.bus, this.fn.devfn, 0x01);
  }

  protected mmioRead(bar: number, off: number, size: AccessSize): bigint {
    if (bar !== 0) return (1n << BigInt(8 * size)) - 1n;
    const r = new Uint8Array(0x108);
    const put = (o: number, n: number, v: number | bigint): void => putLE(r, o, n, BigInt(v));
    put(NIC.ID, 4, NIC.IDENT);
    put(NIC.CTRL, 4, this.ctrl);
    put(NIC.STATUS, 4, 1);
    put(NIC.TX_RING_BASE, 8, this.tx.base);
    put(NIC.TX_RING_SIZE, 4, this.tx.size);
    put(NIC.TX_HEAD, 4, this.tx.head);
    put(NIC.TX_TAIL, 4, this.tx.tail);
    put(NIC.RX_RING_BASE, 8, this.rx.base);
    put(NIC.RX_RING_SIZE, 4, this.rx.size);
    put(NIC.RX_HEAD, 4, this.rx.head);
    put(NIC.RX_TAIL, 4, this.rx.tail);
    put(NIC.TX_VECTOR, 4, this.txVector);
    put(NIC.RX_VECTOR, 4, this.rxVector);
    put(NIC.TX_PACKETS, 4, this.stats.tx);
    put(NIC.RX_PACKETS, 4, this.stats.rx);
    put(NIC.RX_DROPPED, 4, this.stats.dropped);
    r.set(this.mac, NIC.MAC);
    return off + size <= r.length ? getLE(r, off, size) : 0n;
  }

  protected mmioWrite(bar: number, off: number, size: AccessSize, value: bigint): void {
    if (bar !== 0) return;
    const v = Number(value & 0xffff_ffffn);
    const ring = (base: number): Ring | null => (base === NIC.TX_RING_BASE ? this.tx : base === NIC.RX_RING_BASE ? this.rx : null);
    const lo = ring(off);
    if (lo !== null) {
      lo.base = size === 8 ? value : (lo.base & ~0xffff_ffffn) | BigInt(v);
      return;
    }
    const hi = ring(off - 4);
    if (hi !== null) {
      hi.base = (hi.base & 0xffff_ffffn) | (BigInt(v) << 32n);
      return;
    }
    switch (off) {
      case NIC.CTRL: this.ctrl = v & 7; return this.kick();
      case NIC.TX_RING_SIZE: if (pow2(v)) { this.tx.size = v; this.tx.head = this.tx.tail = 0; } return;
      case NIC.RX_RING_SIZE: if (pow2(v)) { this.rx.size = v; this.rx.head = this.rx.tail = 0; } return;
      case NIC.TX_TAIL: if (this.tx.size) this.tx.tail = v % this.tx.size; return this.kick();
      case NIC.RX_TAIL: if (this.rx.size) this.rx.tail = v % this.rx.size; return;
      case NIC.TX_VECTOR: this.txVector = v; return;
      case NIC.RX_VECTOR: this.rxVector = v; return;
    }
  }

  private kick(): void {
    if (this.busy || !(this.ctrl & NIC.CTRL_TX_EN) || this.tx.size === 0 || this.tx.head === this.tx.tail) return;
    this.busy = true;
    const gen = this.generation;
    const at = this.tx.base + BigInt(this.tx.head * NIC.DESC_SIZE);
    const d = this.dmaRead(at, NIC.DESC_SIZE);
    if (!d.ok) {
      this.busy = false;
      this.trace(`TX descriptor fetch at 0x${at.toString(16)} failed: ${d.reason}`);
      return;
    }
    const len = Number(getLE(d.data, 8, 2));
    this.ctx.clock.after(this.transferTime(len, this.bytesPerUs), `nic ${this.fn.bdf} tx`, () => {
      if (gen === this.generation) this.transmit(at, d.data);
    });
  }

  private transmit(at: bigint, desc: Uint8Array): void {
    const addr = getLE(desc, 0, 8);
    const len = Number(getLE(desc, 8, 2));
    const frame = this.dmaRead(addr, len);
    const flags = Number(getLE(desc, 10, 2)) | NIC.DESC_DONE | (frame.ok ? 0 : NIC.DESC_ERR);
    this.dmaWrite(at + 10n, Uint8Array.of(flags & 0xff, flags >> 8));
    this.tx.head = (this.tx.head + 1) % this.tx.size;
    this.busy = false;
    if (frame.ok) {
      this.stats.tx++;
      if (this.ctrl & NIC.CTRL_LOOPBACK) this.receive(frame.data);
      else this.wire.push(frame.data);
    }
    this.sendMsi(this.txVector);
    this.kick();
  }

  /** A frame arrives (from the wire or the loopback). Returns false when it was dropped. */
  receive(frame: Uint8Array): boolean {
    const rx = this.rx;
    if (!(this.ctrl & NIC.CTRL_RX_EN) || rx.size === 0 || rx.head === rx.tail) {
      this.stats.dropped++;
      return false;
    }
    const at = rx.base + BigInt(rx.head * NIC.DESC_SIZE);
    const d = this.dmaRead(at, NIC.DESC_SIZE);
    if (!d.ok) {
      this.stats.dropped++;
      return false;
    }
    const cap = Number(getLE(d.data, 8, 2));
    const n = Math.min(cap, frame.length);
    const w = this.dmaWrite(getLE(d.data, 0, 8), frame.subarray(0, n));
    const back = new Uint8Array(4);
    putLE(back, 0, 2, BigInt(n));
    putLE(back, 2, 2, BigInt(NIC.DESC_DONE | NIC.DESC_EOP | (w.ok ? 0 : NIC.DESC_ERR)));
    this.dmaWrite(at + 8n, back);
    rx.head = (rx.head + 1) % rx.size;
    this.stats.rx++;
    this.sendMsi(this.rxVector);
    return true;
  }

  protected onReset(): void {
    this.generation++;
    this.ctrl = 0;
    Object.assign(this.tx, { base: 0n, size: 0, head: 0, tail: 0 });
    Object.assign(this.rx, { base: 0n, size: 0, head: 0, tail: 0 });
    this.txVector = 0;
    this.rxVector = 1;
    this.stats = { tx: 0, rx: 0, dropped: 0 };
    this.busy = false;
  }
}

function pow2(v: number): boolean {
  return v > 0 && v <= 4096 && (v & (v - 1)) === 0;
}

// ---- what enumeration sees: identity, BARs, interrupt pin, capabilities, params ----

/** A simple NIC with rx/tx rings and MSI-X (placeholder identity 1b36:10f1). */
export const nicDevice: DeviceModelInfo = {
  name: 'nic',
  description: 'Ethernet NIC with rx/tx descriptor rings and MSI-X (placeholder identity)',
  vendor: 0x1b36, device: 0x10f1, subsystemVendor: 0x1b36, subsystemDevice: 0x0000,
  classCode: 0x020000, revision: 0x01, interruptPin: 1,
  bars: [mmioBar(0, 0x2_0000n)],
  msi: null,
  msix: { vectors: 8, tableBar: 0, tableOffset: 0x1_0000n, pbaBar: 0, pbaOffset: 0x1_8000n },
  pcie: true, pm: true, flr: true,
  params: z.strictObject({ bytesPerUs: bytesPerUsField.optional(), irqLatencyNs: nsField.optional() }),
  create: (fn, ctx) => new NicModel(fn, ctx),
};

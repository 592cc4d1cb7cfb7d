/**
 * A function's real (hardware) configuration space: the bytes a device model holds, with
 * per-bit write masks and write-1-to-clear masks, built from the PciFunction's identity,
 * BARs and capabilities the way the built-in models lay them out.
 *
 * Invariants: read-only bits never change through `write`; BAR registers are fixed at the
 * address firmware assigned (the simulated device never moves); sizes are 256 bytes for
 * conventional PCI and 4096 for PCIe. Offsets of the capabilities are in `caps`.
 */
import type { PciFunction } from '../topology/model.js';
import {
  PCI_EXT_CAP_ID_SRIOV, PCI_SRIOV_CTRL, PCI_SRIOV_CTRL_ARI, PCI_SRIOV_CTRL_MSE, PCI_SRIOV_CTRL_VFE, PCI_SRIOV_INITIAL_VF,
  PCI_SRIOV_NUM_VF, PCI_SRIOV_SUP_PGSIZE, PCI_SRIOV_SYS_PGSIZE, PCI_SRIOV_TOTAL_VF, PCI_SRIOV_VF_DID, PCI_SRIOV_VF_OFFSET,
  PCI_SRIOV_VF_STRIDE,
} from '../../uapi/pci_regs_ext.js';

export const CFG = {
  VENDOR: 0x00, DEVICE: 0x02, COMMAND: 0x04, STATUS: 0x06, REVISION: 0x08, CLASS: 0x09,
  HEADER_TYPE: 0x0e, BAR0: 0x10, SUBSYS_VENDOR: 0x2c, SUBSYS: 0x2e, ROM: 0x30, CAP_PTR: 0x34,
  INT_LINE: 0x3c, INT_PIN: 0x3d,
} as const;

export const CMD = { IO: 0x1, MEMORY: 0x2, MASTER: 0x4, SERR: 0x100, PARITY: 0x40, INTX_DISABLE: 0x400 } as const;
export const STATUS_INTERRUPT = 0x8;
export const STATUS_CAP_LIST = 0x10;

/** Where each capability sits (null: absent). */
export interface CapOffsets {
  pm: number | null;
  msi: number | null;
  pcie: number | null;
  msix: number | null;
  /** The SR-IOV extended capability (PFs only). */
  sriov: number | null;
}

export class ConfigSpace {
  readonly bytes: Uint8Array;
  /** Bits software may change. */
  readonly wmask: Uint8Array;
  /** Bits cleared by writing 1. */
  readonly w1c: Uint8Array;
  readonly caps: CapOffsets = { pm: null, msi: null, pcie: null, msix: null, sriov: null };

  constructor(readonly size: number) {
    this.bytes = new Uint8Array(size);
    this.wmask = new Uint8Array(size);
    this.w1c = new Uint8Array(size);
  }

  read(off: number, len: number): number {
    let v = 0;
    for (let i = len - 1; i >= 0; i--) v = v * 256 + (off + i < this.size ? this.bytes[off + i]! : 0xff);
    return v >>> 0;
  }

  /** Raw set, ignoring masks (the model's own updates). */
  set(off: number, len: number, v: number): void {
    for (let i = 0; i < len; i++) this.bytes[off + i] = byteOf(v, i);
  }

  /** A bus write: only writable bits change, W1C bits clear where 1 is written. */
  write(off: number, len: number, v: number): void {
    for (let i = 0; i < len && off + i < this.size; i++) {
      const b = byteOf(v, i);
      const o = off + i;
      const m = this.wmask[o]!;
      const c = this.w1c[o]! & b;
      this.bytes[o] = ((this.bytes[o]! & ~m) | (b & m)) & ~c & 0xff;
    }
  }

  mask(off: number, len: number, m: number): void {
    for (let i = 0; i < len; i++) this.wmask[off + i] = byteOf(m, i);
  }
}

/**
 * Byte `i` (little-endian) of the integer `v`, as `floor(v / 256^i) & 0xff`. Bytes 0-3 of a
 * 32-bit value come from a shift: every config access goes through here (vfio-pci's first open
 * copies all 4 KiB of config space a dword at a time), and `2 ** (8 * i)` is a Math.pow call.
 */
function byteOf(v: number, i: number): number {
  if (i < 4 && ((v | 0) === v || v >>> 0 === v)) return (v >>> (8 * i)) & 0xff;
  return Math.floor(v / 2 ** (8 * i)) & 0xff;
}

/** MSI capability size by its flags (64-bit address, per-vector masking). */
export function msiCapSize(is64: boolean, maskable: boolean): number {
  return 10 + (is64 ? 4 : 0) + (maskable ? 10 : 0);
}

/** Build the config space of `fn` as the built-in models present it. */
export function buildConfigSpace(fn: PciFunction): ConfigSpace {
  const cs = new ConfigSpace(fn.isPcie ? 4096 : 256);
  cs.set(CFG.VENDOR, 2, fn.vendor);
  cs.set(CFG.DEVICE, 2, fn.device);
  cs.mask(CFG.COMMAND, 2, 0x0547);
  cs.set(CFG.REVISION, 1, fn.revision);
  cs.set(CFG.CLASS, 3, fn.classCode);
  cs.set(CFG.HEADER_TYPE, 1, fn.multifunction ? 0x80 : 0);
  cs.mask(0x0c, 2, 0xffff); // cache line size, latency timer
  cs.w1c[CFG.STATUS + 1] = 0xf9; // error bits
  for (const bar of fn.bars) {
    if (bar.index === 6) {
      cs.set(CFG.ROM, 4, Number(bar.address & 0xffff_f800n)); // expansion ROM, decode off
      cs.mask(CFG.ROM, 4, 0x1);
      continue;
    }
    const off = CFG.BAR0 + 4 * bar.index;
    const flags = bar.io ? 0x1 : (bar.is64 ? 0x4 : 0) | (bar.prefetchable ? 0x8 : 0);
    cs.set(off, 4, Number(bar.address & 0xffff_fff0n) | flags);
    if (bar.is64) cs.set(off + 4, 4, Number(bar.address >> 32n));
  }
  cs.set(CFG.SUBSYS_VENDOR, 2, fn.subsystemVendor);
  cs.set(CFG.SUBSYS, 2, fn.subsystemDevice);
  cs.mask(CFG.INT_LINE, 1, 0xff);
  cs.set(CFG.INT_PIN, 1, fn.interruptPin);
  layoutCaps(cs, fn);
  if (fn.sriov !== null && fn.isPcie) layoutSriov(cs, fn.sriov, 0x100);
  return cs;
}

/**
 * The SR-IOV extended capability (PCIe r6 §9.3.3) as the PF's driver reads it: TotalVFs and
 * InitialVFs, First VF Offset, VF Stride, VF Device ID, 4 KiB system pages; Control
 * (VF Enable, VF MSE, ARI), NumVFs and System Page Size writable; no VF BARs (not modelled).
 */
function layoutSriov(cs: ConfigSpace, s: NonNullable<PciFunction['sriov']>, at: number): void {
  cs.caps.sriov = at;
  cs.set(at, 4, PCI_EXT_CAP_ID_SRIOV | (1 << 16)); // version 1, last in the list
  cs.mask(at + PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE | PCI_SRIOV_CTRL_ARI);
  cs.set(at + PCI_SRIOV_INITIAL_VF, 2, s.totalVfs);
  cs.set(at + PCI_SRIOV_TOTAL_VF, 2, s.totalVfs);
  cs.mask(at + PCI_SRIOV_NUM_VF, 2, 0xffff);
  cs.set(at + PCI_SRIOV_VF_OFFSET, 2, s.offset);
  cs.set(at + PCI_SRIOV_VF_STRIDE, 2, s.stride);
  if (s.vfDevice !== null) cs.set(at + PCI_SRIOV_VF_DID, 2, s.vfDevice);
  cs.set(at + PCI_SRIOV_SUP_PGSIZE, 4, 0x553); // 4K, 8K, 64K, 256K, 1M, 4M
  cs.set(at + PCI_SRIOV_SYS_PGSIZE, 4, 0x1);
  cs.mask(at + PCI_SRIOV_SYS_PGSIZE, 4, 0x553);
}

function layoutCaps(cs: ConfigSpace, fn: PciFunction): void {
  const list: Array<[number, number]> = []; // [offset, id]
  let at = 0x40;
  const caps = fn.capabilities;
  if (caps.pm) {
    cs.caps.pm = at;
    cs.set(at + 2, 2, 0x0003); // PM spec 1.2, no D1/D2, no PME
    cs.set(at + 4, 2, 0x0008); // No_Soft_Reset: D3hot→D0 keeps state
    cs.mask(at + 4, 2, 0x0003);
    list.push([at, 0x01]);
    at += 8;
  }
  if (caps.msi) {
    cs.caps.msi = at;
    const m = caps.msi;
    const mmc = Math.ceil(Math.log2(m.vectors));
    cs.set(at + 2, 2, (mmc << 1) | (m.is64 ? 0x80 : 0) | (m.perVectorMask ? 0x100 : 0));
    cs.mask(at + 2, 2, 0x0071);
    cs.mask(at + 4, 4, 0xffff_fffc);
    if (m.is64) cs.mask(at + 8, 4, 0xffff_ffff);
    const data = at + (m.is64 ? 12 : 8);
    cs.mask(data, 2, 0xffff);
    if (m.perVectorMask) cs.mask(data + 4, 4, 2 ** m.vectors - 1);
    list.push([at, 0x05]);
    at += (msiCapSize(m.is64, m.perVectorMask) + 3) & ~3;
  }
  if (fn.isPcie) {
    cs.caps.pcie = at;
    cs.set(at + 2, 2, 0x0002 | ((fn.portType ?? 0) << 4));
    cs.set(at + 4, 4, 0x0000_0001 | (caps.flr ? 0x1000_0000 : 0)); // MPS 256, FLR
    cs.set(at + 8, 2, 0x2810); // MRRS 512, MPS 128, RO enable
    cs.mask(at + 8, 2, 0x7eff | 0x8000);
    cs.set(at + 0x24, 4, 0);
    cs.mask(at + 0x28, 2, 0x04ff);
    list.push([at, 0x10]);
    at += 0x3c;
    at = (at + 3) & ~3;
  }
  if (caps.msix) {
    cs.caps.msix = at;
    const x = caps.msix;
    cs.set(at + 2, 2, x.vectors - 1);
    cs.mask(at + 2, 2, 0xc000);
    cs.set(at + 4, 4, Number(x.tableOffset) | x.tableBar);
    cs.set(at + 8, 4, Number(x.pbaOffset) | x.pbaBar);
    list.push([at, 0x11]);
    at += 12;
  }
  if (list.length === 0) return;
  cs.set(CFG.STATUS, 2, STATUS_CAP_LIST);
  cs.set(CFG.CAP_PTR, 1, list[0]![0]);
  for (let i = 0; i < list.length; i++) {
    const [off, id] = list[i]!;
    cs.set(off, 1, id);
    cs.set(off + 1, 1, i + 1 < list.length ? list[i + 1]![0] : 0);
  }
}

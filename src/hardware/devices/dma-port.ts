/**
 * The device's DMA port below the bus-master check: a transfer goes fabric (P2P, ACS) →
 * IOMMU → memory when the machine has a fabric, IOMMU → memory otherwise, and straight to
 * physical memory (with the x86 interrupt window decoded as MSI) on a machine without an IOMMU.
 * What must always hold: a fault is recorded by the IOMMU and reported as a failed outcome,
 * never as memory the device was not given; beyond MAXPHYADDR nothing answers (reads all ones,
 * writes dropped).
 */
import type { FaultRecord } from '../iommu/faults.js';
import { compatMessage } from '../iommu/interrupt-remap.js';
import { MAX_PHYS, type PhysMem } from '../memory/phys-mem.js';
import type { PciFunction } from '../topology/model.js';
import type { DeviceContext, DmaOutcome } from './model-types.js';
import { inMsiWindow } from '../../uapi/x86.js';

/** Bytes of [addr, addr+len) below MAXPHYADDR: beyond it nothing answers (master abort). */
function reachable(addr: bigint, len: number): number {
  const limit = BigInt(MAX_PHYS);
  if (addr >= limit) return 0;
  return addr + BigInt(len) > limit ? Number(limit - addr) : len;
}

/** A read of physical memory without an IOMMU: all ones where nothing answers. */
function readDirect(phys: PhysMem, addr: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len).fill(0xff);
  const n = reachable(addr, len);
  if (n > 0) out.set(phys.read(addr, n));
  return out;
}

/** A failed fabric transfer as a DmaOutcome: an ACS drop or an IOMMU fault. */
function fabricFailure(r: { bytesDone: number; fault?: FaultRecord; dropped?: unknown }): DmaOutcome {
  const reason = r.dropped !== undefined ? 'acs-violation' : 'iommu-fault';
  return r.fault !== undefined ? { ok: false, reason, fault: r.fault, bytesDone: r.bytesDone } : { ok: false, reason, bytesDone: r.bytesDone };
}

/** A DMA read of `len` bytes at bus address `addr` by `fn` as requester `rid` (bus mastering checked by the caller). */
export function portRead(ctx: DeviceContext, fn: PciFunction, rid: number, addr: bigint, len: number): DmaOutcome {
  const fabric = ctx.fabric;
  if (fabric !== undefined) {
    const r = fabric.dmaRead(fn, rid, addr, len);
    ctx.trace?.add('dma', fn.bdf, `read ${len} bytes at 0x${addr.toString(16)}${r.ok ? '' : ' failed'}`);
    if (!r.ok) return fabricFailure(r);
    return { ok: true, data: r.data ?? new Uint8Array(len) };
  }
  const iommu = ctx.iommu;
  if (iommu === null) {
    ctx.trace?.add('dma', fn.bdf, `read ${len} bytes at 0x${addr.toString(16)} (no IOMMU)`);
    return { ok: true, data: readDirect(ctx.phys, addr, len) };
  }
  const r = iommu.dmaRead(rid, addr, len);
  ctx.trace?.add('dma', fn.bdf, `read ${len} bytes at iova 0x${addr.toString(16)}${r.ok ? '' : ' faulted'}`);
  if (!r.ok) return { ok: false, reason: 'iommu-fault', fault: r.fault, bytesDone: r.bytesDone };
  return { ok: true, data: r.data ?? new Uint8Array(len) };
}

/** A DMA write of `data` at bus address `addr` by `fn` as requester `rid`; `quiet` leaves no trace. */
export function portWrite(ctx: DeviceContext, fn: PciFunction, rid: number, addr: bigint, data: Uint8Array, quiet: boolean): DmaOutcome {
  const fabric = ctx.fabric;
  if (fabric !== undefined) {
    const r = fabric.dmaWrite(fn, rid, addr, data);
    if (!quiet) ctx.trace?.add('dma', fn.bdf, `write ${data.length} bytes at 0x${addr.toString(16)}${r.ok ? '' : ' failed'}`);
    return r.ok ? { ok: true, data } : fabricFailure(r);
  }
  const iommu = ctx.iommu;
  if (iommu === null) return writeDirect(ctx, rid, addr, data);
  const r = iommu.dmaWrite(rid, addr, data);
  if (!quiet) ctx.trace?.add('dma', fn.bdf, `write ${data.length} bytes at iova 0x${addr.toString(16)}${r.ok ? '' : ' faulted'}`);
  if (!r.ok) return { ok: false, reason: 'iommu-fault', fault: r.fault, bytesDone: r.bytesDone };
  return { ok: true, data };
}

/** A write without an IOMMU: the interrupt window is an MSI, the rest is physical memory. */
function writeDirect(ctx: DeviceContext, rid: number, addr: bigint, data: Uint8Array): DmaOutcome {
  if (inMsiWindow(addr)) {
    const v = new DataView(data.buffer, data.byteOffset, data.length);
    if (data.length === 4) ctx.msiSink?.(compatMessage(rid, Number(addr), v.getUint32(0, true)));
    return { ok: true, data };
  }
  const n = reachable(addr, data.length);
  if (n > 0) ctx.phys.write(addr, data.subarray(0, n));
  return { ok: true, data };
}

import { describe, expect, it } from 'vitest';
import { Clock } from '../../base/clock.js';
import { PhysMem } from '../memory/phys-mem.js';
import { linuxFaultLine } from './faults.js';
import { Iommu } from './iommu.js';
import type { DmaResult, IommuConfig } from './iommu-types.js';
import { remappableAddress, type MsiMessage } from './interrupt-remap.js';
import { SZ_2M, SZ_4K } from './io-pgtable.js';

const RW = { read: true, write: true };
const RO = { read: true, write: false };
const DEV = 0x0300; // 03:00.0
const OTHER = 0x0400; // 04:00.0

function setup(cfg: IommuConfig = {}) {
  const clock = new Clock();
  const mem = new PhysMem();
  const msis: MsiMessage[] = [];
  const events: string[] = [];
  const iommu = new Iommu(mem, clock, { msiSink: (m) => msis.push(m), onEvent: (k, t) => events.push(`${k}: ${t}`), ...cfg });
  return { clock, mem, iommu, msis, events };
}

function faultOf(r: DmaResult) {
  if (r.ok) throw new Error('expected a fault');
  return r;
}

const fill = (n: number, v: number) => new Uint8Array(n).fill(v);

describe('DMA through a translating domain', () => {
  it('reads and writes through the mapping, offset preserved, across leaves', () => {
    const { iommu, mem } = setup();
    const d = iommu.allocDomain('unmanaged');
    iommu.attach(DEV, d);
    expect(iommu.map(d, 0x10000n, 0x80000n, 0x1000n, RW).ok).toBe(true);
    expect(iommu.map(d, 0x11000n, 0x20000n, 0x1000n, RW).ok).toBe(true);
    const data = Uint8Array.from({ length: 0x1000 }, (_, i) => i & 0xff);
    expect(iommu.dmaWrite(DEV, 0x10800n, data)).toEqual({ ok: true, bytes: 0x1000 });
    expect(mem.read(0x80800n, 0x800)).toEqual(data.subarray(0, 0x800));
    expect(mem.read(0x20000n, 0x800)).toEqual(data.subarray(0x800));
    const r = iommu.dmaRead(DEV, 0x10800n, 0x1000);
    expect(r.ok && r.data).toEqual(data);
  });

  it('faults after unmap with PTE Read access is not set at the exact address', () => {
    const { iommu, events } = setup();
    const d = iommu.allocDomain('unmanaged');
    iommu.attach(DEV, d);
    iommu.map(d, 0x1f000n, 0x5000n, SZ_4K, RW);
    expect(iommu.dmaRead(DEV, 0x1f010n, 4).ok).toBe(true);
    expect(iommu.unmap(d, 0x1f000n, SZ_4K)).toEqual({ ok: true, value: SZ_4K });
    const f = faultOf(iommu.dmaRead(DEV, 0x1f010n, 4));
    expect(f.bytesDone).toBe(0);
    expect(f.fault).toMatchObject({ source: '0000:03:00.0', iova: 0x1f010n, access: 'read', code: 0x6, reason: 'PTE Read access is not set' });
    expect(events.at(-1)).toBe('fault: DMAR: [DMA Read NO_PASID] Request device [03:00.0] fault addr 0x1f000 [fault reason 0x06] PTE Read access is not set');
    expect(iommu.faultLog()).toHaveLength(1);
  });

  it('a device write to a read-only mapping faults 0x5 and leaves memory untouched', () => {
    const { iommu, mem } = setup();
    const d = iommu.allocDomain('unmanaged');
    iommu.attach(DEV, d);
    iommu.map(d, 0x1f000n, 0x5000n, SZ_4K, RO);
    mem.write(0x5000n, fill(8, 0x11));
    const f = faultOf(iommu.dmaWrite(DEV, 0x1f000n, fill(8, 0xee)));
    expect(f.fault).toMatchObject({ code: 0x5, access: 'write', reason: 'PTE Write access is not set' });
    expect(mem.read(0x5000n, 8)).toEqual(fill(8, 0x11));
    expect(linuxFaultLine(f.fault)).toContain('[DMA Write NO_PASID] Request device [03:00.0] fault addr 0x1f000 [fault reason 0x05]');
  });

  it('a 3-page write with an unmapped middle page leaves the first page written', () => {
    const { iommu, mem } = setup();
    const d = iommu.allocDomain('unmanaged');
    iommu.attach(DEV, d);
    iommu.map(d, 0x0n, 0x100000n, SZ_4K, RW);
    iommu.map(d, 0x2000n, 0x102000n, SZ_4K, RW);
    const f = faultOf(iommu.dmaWrite(DEV, 0x0n, fill(3 * 4096, 0xab)));
    expect(f.bytesDone).toBe(4096);
    expect(f.fault).toMatchObject({ iova: 0x1000n, code: 0x5 });
    expect(mem.read(0x100000n, 4096)).toEqual(fill(4096, 0xab));
    expect(mem.read(0x102000n, 4096)).toEqual(fill(4096, 0));
  });

  it('a faulting read returns the data before the faulting piece only', () => {
    const { iommu, mem } = setup();
    const d = iommu.allocDomain('unmanaged');
    iommu.attach(DEV, d);
    iommu.map(d, 0x0n, 0x100000n, SZ_4K, RW);
    mem.write(0x100000n, fill(4096, 7));
    const f = faultOf(iommu.dmaRead(DEV, 0x800n, 8192));
    expect(f.bytesDone).toBe(0x800);
    expect(f.data).toEqual(fill(0x800, 7));
    expect(f.fault.iova).toBe(0x1000n);
  });

  it('faults 0x4 beyond the aperture', () => {
    const { iommu } = setup({ addressWidth: 39 });
    const d = iommu.allocDomain('unmanaged');
    iommu.attach(DEV, d);
    iommu.map(d, (1n << 39n) - SZ_4K, 0x1000n, SZ_4K, RW);
    const f = faultOf(iommu.dmaRead(DEV, (1n << 39n) - 4n, 8));
    expect(f.bytesDone).toBe(4);
    expect(f.fault).toMatchObject({ iova: 1n << 39n, code: 0x4, reason: 'Access beyond MGAW' });
  });

  it('sets the dirty bit of the leaf written when dirty tracking is on', () => {
    const { iommu } = setup();
    const d = iommu.allocDomain('unmanaged');
    iommu.attach(DEV, d);
    iommu.map(d, 0n, 0n, SZ_2M, RW);
    iommu.dmaWrite(DEV, 0x1000n, fill(4, 1));
    expect(d.pageTable.readAndClearDirty(0n, SZ_2M)).toEqual([]);
    d.dirtyTracking = true;
    iommu.dmaRead(DEV, 0x1000n, 4);
    expect(d.pageTable.readAndClearDirty(0n, SZ_2M)).toEqual([]);
    iommu.dmaWrite(DEV, 0x1000n, fill(4, 1));
    expect(d.pageTable.readAndClearDirty(0n, SZ_2M)).toEqual([{ iova: 0n, size: SZ_2M }]);
  });

  it('map on an identity domain is EINVAL', () => {
    const { iommu } = setup();
    const r = iommu.map(iommu.allocDomain('identity'), 0n, 0n, SZ_4K, RW);
    expect(r.ok ? 'ok' : r.code).toBe('EINVAL');
  });
});

describe('context table', () => {
  it('no context: 0x1 on a bus without a context table, 0x2 once the bus has one; blocked: 0x2', () => {
    const { iommu } = setup();
    expect(faultOf(iommu.dmaRead(DEV, 0n, 4)).fault.code).toBe(0x1);
    iommu.setBlocked(DEV);
    expect(faultOf(iommu.dmaRead(DEV, 0n, 4)).fault).toMatchObject({ code: 0x2, reason: 'Present bit in context entry is clear' });
    iommu.detach(DEV);
    expect(faultOf(iommu.dmaRead(DEV, 0n, 4)).fault.code).toBe(0x2);
    expect(faultOf(iommu.dmaRead(DEV | 1, 0n, 4)).fault.code).toBe(0x2);
  });

  it('other platforms: no root-entry fault on AMD; no x86 interrupt window on Arm', () => {
    const amd = setup({ platform: 'amd' }).iommu;
    expect(faultOf(amd.dmaRead(DEV, 0n, 4)).fault.code).toBe(0x2);
    const { iommu, mem, msis } = setup({ platform: 'arm' });
    const d = iommu.allocDomain('unmanaged');
    iommu.attach(DEV, d);
    iommu.map(d, 0xfee00000n, 0x8000n, SZ_4K, RW); // the MSI doorbell page, mapped like memory
    expect(iommu.dmaWrite(DEV, 0xfee00040n, fill(4, 1)).ok).toBe(true);
    expect(mem.read(0x8040n, 4)).toEqual(fill(4, 1));
    expect(msis).toEqual([]);
  });

  it('passthrough and uncovered RIDs reach physical memory untranslated', () => {
    const { iommu, mem } = setup({ covers: (rid) => rid !== OTHER });
    iommu.attach(DEV, iommu.allocDomain('identity'));
    expect(iommu.dmaWrite(DEV, 0x3000n, fill(4, 9)).ok).toBe(true);
    expect(iommu.dmaWrite(OTHER, 0x4000n, fill(4, 8)).ok).toBe(true);
    expect(mem.read(0x3000n, 4)).toEqual(fill(4, 9));
    expect(mem.read(0x4000n, 4)).toEqual(fill(4, 8));
  });

  it('translated (ATS) requests pass only when the context allows ATS', () => {
    const { iommu, mem } = setup();
    const d = iommu.allocDomain('unmanaged');
    iommu.attach(DEV, d);
    expect(faultOf(iommu.dmaWrite(DEV, 0x9000n, fill(4, 1), { at: 'translated' })).fault).toMatchObject({ code: 0xd, at: 'translated' });
    iommu.attach(DEV, d, { atsAllowed: true });
    expect(iommu.dmaWrite(DEV, 0x9000n, fill(4, 1), { at: 'translated' }).ok).toBe(true);
    expect(mem.read(0x9000n, 4)).toEqual(fill(4, 1));
    iommu.map(d, 0x20_0000n, 0x40_0000n, SZ_2M, RO);
    const tr = iommu.dmaRead(DEV, 0x20_1234n, 0, { at: 'translation-request' });
    expect(tr).toEqual({ ok: true, bytes: 0, translation: { pa: 0x40_0000n, size: SZ_2M, read: true, write: false } });
  });

  it('fault reporting disabled: access fails, slots stay empty, the log still has it', () => {
    const { iommu, events } = setup();
    iommu.attach(DEV, iommu.allocDomain('unmanaged'), { faultReportingDisabled: true });
    expect(faultOf(iommu.dmaRead(DEV, 0n, 4)).fault.recorded).toBe('suppressed');
    expect(iommu.faults.pendingCount()).toBe(0);
    expect(iommu.faultLog()).toHaveLength(1);
    expect(events.filter((e) => e.startsWith('fault'))).toEqual([]);
  });

  it('freeDomain is EBUSY while attached', () => {
    const { iommu } = setup();
    const d = iommu.allocDomain('unmanaged');
    iommu.attach(DEV, d);
    const r = iommu.freeDomain(d);
    expect(r.ok ? 'ok' : r.code).toBe('EBUSY');
    iommu.setBlocked(DEV);
    expect(iommu.freeDomain(d).ok).toBe(true);
  });
});

describe('IOTLB invalidation policy', () => {
  function staleCase(type: 'DMA' | 'DMA-FQ' | 'unmanaged', cfg: IommuConfig = {}) {
    const s = setup({ fqTimeoutNs: 10_000_000n, ...cfg });
    const d = s.iommu.allocDomain(type);
    s.iommu.attach(DEV, d);
    s.iommu.map(d, 0x1000n, 0x7000n, SZ_4K, RW);
    expect(s.iommu.dmaRead(DEV, 0x1000n, 4).ok).toBe(true); // fills the IOTLB
    s.iommu.unmap(d, 0x1000n, SZ_4K);
    s.mem.write(0x7000n, Uint8Array.of(1, 2, 3, 4)); // the page was freed and reused
    return s;
  }

  it('lazy (DMA-FQ): the stale translation keeps working until the flush timer fires', () => {
    const { iommu, clock } = staleCase('DMA-FQ');
    expect(iommu.iotlb.stats().queued).toBe(1);
    const r = iommu.dmaRead(DEV, 0x1000n, 4);
    expect(r.ok && r.data).toEqual(Uint8Array.of(1, 2, 3, 4));
    clock.advance(9_999_999n);
    expect(iommu.dmaRead(DEV, 0x1000n, 4).ok).toBe(true);
    clock.advance(1n);
    expect(iommu.iotlb.stats().queued).toBe(0);
    expect(faultOf(iommu.dmaRead(DEV, 0x1000n, 4)).fault.code).toBe(0x6);
  });

  it('lazy: a full flush queue drains before the next entry is queued', () => {
    const { iommu } = setup({ fqSize: 2 });
    const d = iommu.allocDomain('DMA-FQ');
    iommu.attach(DEV, d);
    for (let i = 0n; i < 3n; i++) {
      iommu.map(d, i * SZ_4K, i * SZ_4K, SZ_4K, RW);
      iommu.dmaRead(DEV, i * SZ_4K, 1);
    }
    iommu.unmap(d, 0n, SZ_4K);
    iommu.unmap(d, SZ_4K, SZ_4K);
    expect(iommu.dmaRead(DEV, 0n, 1).ok).toBe(true);
    iommu.unmap(d, 2n * SZ_4K, SZ_4K);
    expect(iommu.iotlb.stats()).toMatchObject({ queued: 1, fqFlushes: 1 });
    expect(iommu.dmaRead(DEV, 0n, 1).ok).toBe(false);
  });

  it('strict (DMA) and unmanaged domains invalidate at unmap, even on a lazily booted unit', () => {
    for (const type of ['DMA', 'unmanaged'] as const) {
      const { iommu } = staleCase(type, { invalidation: 'lazy' });
      expect(iommu.iotlb.stats().queued).toBe(0);
      expect(faultOf(iommu.dmaRead(DEV, 0x1000n, 4)).fault.code).toBe(0x6);
    }
  });

  it("'DMA' stays strict on a lazily booted unit (the kernel asks for 'DMA-FQ' when it wants lazy)", () => {
    const { iommu } = staleCase('DMA', { invalidation: 'lazy' });
    expect(iommu.iotlb.stats().queued).toBe(0);
    expect(iommu.dmaRead(DEV, 0x1000n, 4).ok).toBe(false);
  });

  it('a bounded IOTLB flushes everything when full, and counts hits and misses', () => {
    const { iommu, events } = setup({ iotlbCapacity: 2 });
    const d = iommu.allocDomain('unmanaged');
    iommu.attach(DEV, d);
    iommu.map(d, 0n, 0n, 4n * SZ_4K, RW);
    iommu.dmaRead(DEV, 0n, 2 * 4096); // 2 misses
    iommu.dmaRead(DEV, 0n, 4096); // hit
    iommu.dmaRead(DEV, 0x2000n, 1); // miss, full → flush all
    expect(iommu.iotlb.stats()).toMatchObject({ hits: 1, misses: 3, capacityFlushes: 1, entries: 1 });
    expect(events).toContain('iotlb: iotlb exceeds size limit (2), flushing all');
  });

  it('counts one IOTLB hit per further 4 KiB piece of a large leaf', () => {
    const { iommu } = setup();
    const d = iommu.allocDomain('unmanaged');
    iommu.attach(DEV, d);
    iommu.map(d, 0n, 0n, SZ_2M, RW);
    iommu.dmaRead(DEV, 0n, 16 * 4096);
    expect(iommu.iotlb.stats()).toMatchObject({ misses: 1, hits: 15 });
  });
});

describe('interrupts', () => {
  it('remaps an MSI through its IRTE and checks the source id (0x26)', () => {
    const { iommu, msis } = setup();
    iommu.attach(DEV, iommu.allocDomain('unmanaged'));
    iommu.attach(OTHER, iommu.allocDomain('unmanaged'));
    const idx = iommu.irt!.allocate({ vector: 0x41, destination: 2, sourceRid: DEV })!;
    const addr = BigInt(remappableAddress(idx));
    expect(iommu.dmaWrite(DEV, addr, new Uint8Array(4)).ok).toBe(true);
    expect(msis).toEqual([expect.objectContaining({ rid: DEV, vector: 0x41, destination: 2, remapped: true, irteIndex: idx })]);
    const f = faultOf(iommu.dmaWrite(OTHER, addr, new Uint8Array(4)));
    expect(f.fault).toMatchObject({ code: 0x26, source: '0000:04:00.0', interruptIndex: idx, reason: 'Blocked an interrupt request due to source-id verification failure' });
    expect(linuxFaultLine(f.fault)).toBe(`DMAR: [INTR-REMAP] Request device [04:00.0] fault index 0x${idx.toString(16)} [fault reason 0x26] Blocked an interrupt request due to source-id verification failure`);
    expect(msis).toHaveLength(1);
  });

  it('blocks compatibility format (0x25) and absent entries (0x22) under remapping', () => {
    const { iommu } = setup();
    expect(faultOf(iommu.dmaWrite(DEV, 0xfee01000n, Uint8Array.of(0x30, 0, 0, 0))).fault.code).toBe(0x25);
    expect(faultOf(iommu.dmaWrite(DEV, BigInt(remappableAddress(7)), new Uint8Array(4))).fault.code).toBe(0x22);
  });

  it('without remapping a compatibility-format MSI picks its own vector and CPU', () => {
    const { iommu, msis } = setup({ interruptRemapping: false });
    expect(iommu.dmaWrite(DEV, 0xfee03000n, Uint8Array.of(0x30, 0x04, 0, 0)).ok).toBe(true);
    expect(msis[0]).toMatchObject({ vector: 0x30, destination: 3, deliveryMode: 4, remapped: false });
  });

  it('a passthrough DMA running into the window stops there (0x20 for a non-dword message)', () => {
    const { iommu, mem, msis } = setup();
    iommu.attach(DEV, iommu.allocDomain('identity'));
    const f = faultOf(iommu.dmaWrite(DEV, 0xfedff000n, fill(8192, 0x5a)));
    expect(f.bytesDone).toBe(4096);
    expect(f.fault).toMatchObject({ iova: 0xfee00000n, code: 0x20 });
    expect(mem.read(0xfedff000n, 4096)).toEqual(fill(4096, 0x5a));
    expect(mem.read(0xfee00000n, 4)).toEqual(fill(4, 0));
    expect(msis).toEqual([]);
  });

  it('a read of the interrupt window faults; the window is never translated', () => {
    const { iommu } = setup();
    const d = iommu.allocDomain('identity');
    iommu.attach(DEV, d);
    expect(faultOf(iommu.dmaRead(DEV, 0xfee00000n, 4)).fault).toMatchObject({ code: 0xe, reason: 'Unknown' });
  });
});

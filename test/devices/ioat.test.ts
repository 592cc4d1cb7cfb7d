/**
 * The I/OAT model driven as the kernel's vfio_pci_driver_test drives it through its ioat
 * driver (test/devices/ioat-driver.ts): probe, init/remove, memcpy to mapped IOVAs, copies
 * from and to an unmapped IOVA (channel HALTED with CHANERR, an IOMMU fault, no MSI), an MSI
 * through MSI-X vector 0, and the storm: one descriptor chained to itself 65,535 times.
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { IOAT } from '../../src/hardware/devices/ioat.js';
import {
  CBDMA, SERVER_JSON, cfgRead32, channelStatus, init, memcpyStart, memcpyWait, openIoat, probe, readMsi, regionSetup,
  remove, sendMsi, type Ioat, type IommuMode,
} from './ioat-driver.js';

const SZ_1M = 1n << 20n;
const MEMCPY_IOVA = 0x2_0000_0000n;
const UNMAPPED_IOVA = 0x3_0000_0000n;

/** FIXTURE_SETUP: the device, a memcpy region (4 MiB here, 1 GiB in C), the driver's region, init. */
function setup(mode: IommuMode) {
  const host = new Host(SERVER_JSON);
  const base = openIoat(host, mode);
  const memcpy = regionSetup(base, MEMCPY_IOVA, 4n * SZ_1M);
  const d = init(base);
  const size = d.maxMemcpySize < memcpy.size / 2n ? d.maxMemcpySize : memcpy.size / 2n;
  return { host, d, size, src: memcpy.va, dst: memcpy.va + size, srcIova: memcpy.iova, dstIova: memcpy.iova + size };
}

function fill(d: Ioat, va: bigint, size: bigint, ch: string): void {
  d.p.writeMem(va, new Uint8Array(Number(size)).fill(ch.charCodeAt(0)));
}

function same(d: Ioat, a: bigint, b: bigint, size: bigint): boolean {
  return Buffer.from(d.p.readMem(a, Number(size))).equals(Buffer.from(d.p.readMem(b, Number(size))));
}

describe.each<IommuMode>(['vfio_type1v2_iommu', 'iommufd'])('ioat on the server machine, as vfio_pci_driver_test drives it (%s)', (mode) => {
  it('probes as IOAT_SKX with CBVER 3.3, one MSI-X vector and 1 MiB per descriptor', () => {
    const { d } = setup(mode);
    expect(probe(d)).toBe(true);
    expect(d.p.read8(d.bar + BigInt(IOAT.VER))).toBe(0x33);
    expect(d.p.read8(d.bar + BigInt(IOAT.CHANCNT))).toBe(1);
    expect(d.maxMemcpySize).toBe(SZ_1M);
    expect(cfgRead32(d.p, d.device, uapi.PCI_CLASS_REVISION) >>> 8).toBe(0x088000);
    const irq = { argsz: 16, flags: 0, index: uapi.VFIO_PCI_MSIX_IRQ_INDEX, count: 0 };
    d.p.ioctl(d.device, uapi.VFIO_DEVICE_GET_IRQ_INFO, irq);
    expect(irq.count).toBe(1);
    expect(channelStatus(d)).toBe(IOAT.CHANSTS_HALTED);
  });

  it('init_remove: ten rounds of remove and init leave a working channel', () => {
    const { d, size, src, dst, srcIova, dstIova } = setup(mode);
    let cur = d;
    for (let i = 0; i < 10; i++) {
      remove(cur);
      cur = init(cur);
    }
    fill(cur, src, size, 'x');
    memcpyStart(cur, srcIova, dstIova, size, 1);
    expect(memcpyWait(cur)).toBeNull();
    expect(same(cur, src, dst, size)).toBe(true);
  });

  it('memcpy_success: 1 MiB copied through the IOMMU, in the virtual time the bandwidth gives, without an MSI', () => {
    const { host, d, size, src, dst, srcIova, dstIova } = setup(mode);
    fill(d, src, size, 'x');
    fill(d, dst, size, 'y');
    const t0 = host.clock.now();
    memcpyStart(d, srcIova, dstIova, size, 1);
    expect(memcpyWait(d)).toBeNull();
    expect(same(d, src, dst, size)).toBe(true);
    expect(host.clock.now() - t0).toBeGreaterThanOrEqual(BigInt(Math.ceil(Number(size) * 1000 / 4000)));
    expect(readMsi(d)).toBeNull();
    expect(d.p.read64(d.bar + BigInt(IOAT.CHANSTS)) & ~0x3fn).toBe(d.region.iova);
    expect(host.faults()).toEqual([]);
  });

  it('memcpy_from_unmapped_iova: HALTED with a read data error, the IOMMU records the fault, no MSI', () => {
    const { host, d, size, dstIova } = setup(mode);
    memcpyStart(d, UNMAPPED_IOVA, dstIova, size, 1);
    const err = memcpyWait(d);
    expect(err).toEqual({ chanerr: IOAT.CHANERR_READ_DATA_ERR, chanerrInt: IOAT.CHANERR_READ_DATA_ERR, dmauncerrsts: 0 });
    expect(host.faults().map((f) => [f.source, f.iova, f.access])).toEqual([[CBDMA, UNMAPPED_IOVA, 'read']]);
    expect(readMsi(d)).toBeNull();
    expect(d.p.read32(d.bar + BigInt(IOAT.CHANERR))).toBe(0); // cleared by the reset path
  });

  it('memcpy_to_unmapped_iova: HALTED with a write data error and a write fault; the destination stays unmapped', () => {
    const { host, d, size, srcIova } = setup(mode);
    memcpyStart(d, srcIova, UNMAPPED_IOVA, size, 1);
    expect(memcpyWait(d)?.chanerr).toBe(IOAT.CHANERR_WRITE_DATA_ERR);
    expect(host.faults().map((f) => [f.iova, f.access])).toEqual([[UNMAPPED_IOVA, 'write']]);
    expect(readMsi(d)).toBeNull();
  });

  it('send_msi: a descriptor with int_en signals the MSI-X eventfd exactly once', () => {
    const { d } = setup(mode);
    expect(sendMsi(d)).toBeNull();
    expect(readMsi(d)).toBe(1n);
    expect(readMsi(d)).toBeNull();
  });

  it('mix_and_match: copies, faults and MSIs interleave, each fault reset away', () => {
    const { host, d, size, src, dst, srcIova, dstIova } = setup(mode);
    for (let i = 0; i < 10; i++) {
      fill(d, src, size, 'x');
      fill(d, dst, size, 'y');
      memcpyStart(d, srcIova, dstIova, size, 1);
      expect(memcpyWait(d)).toBeNull();
      expect(same(d, src, dst, size)).toBe(true);
      memcpyStart(d, UNMAPPED_IOVA, dstIova, size, 1);
      expect(memcpyWait(d)?.chanerr).toBe(IOAT.CHANERR_READ_DATA_ERR);
      expect(sendMsi(d)).toBeNull();
      expect(readMsi(d)).toBe(1n);
    }
    expect(host.faults()).toHaveLength(10);
  });

  it('memcpy_storm: one descriptor chained to itself 65,535 times completes, in virtual time, with few events', () => {
    const { host, d, size, src, dst, srcIova, dstIova } = setup(mode);
    fill(d, src, size, 'x');
    fill(d, dst, size, 'y');
    const count = 0xffff;
    const t0 = host.clock.now();
    memcpyStart(d, srcIova, dstIova, size, count);
    expect(memcpyWait(d)).toBeNull();
    expect(same(d, src, dst, size)).toBe(true);
    expect(readMsi(d)).toBeNull();
    const each = 250n + BigInt(Math.ceil(Number(size) * 1000 / 4000));
    expect(host.clock.now() - t0).toBeGreaterThanOrEqual(BigInt(count) * each);
    expect(d.events).toBeLessThan(10);
    expect(d.p.read16(d.bar + BigInt(IOAT.DMACOUNT))).toBe(count);
  });
});

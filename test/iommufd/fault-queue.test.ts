/**
 * I/O page faults through iommufd (eventq.c FAULT objects, hw_pagetable.c
 * IOMMU_HWPT_FAULT_ID_VALID, intel iopf_for_domain_set): a PRI-capable edu asks for an
 * unmapped page, the request reaches the FAULT fd as a struct iommu_hwpt_pgfault, and the
 * response written back makes the device retry (SUCCESS) or give up (INVALID).
 */
import { describe, expect, it } from 'vitest';
import { uapi } from '../../src/index.js';
import { EDU } from '../../src/hardware/devices/edu.js';
import { machine } from '../vfio-pci/helpers.js';
import { u64le } from '../support/bytes.js';
import { anonBuffer } from '../support/vfio.js';
import { attach, boundDevice, destroy, expectErrno, ioasAlloc, mapFixed, P } from './helpers.js';

const EDU_BDF = '0000:01:00.0';
const IOVA = 0x100000n;

function faultAlloc(p: ReturnType<typeof boundDevice>['p'], fd: number): { id: number; fd: number } {
  const a = { size: 16, flags: 0, out_fault_id: 0, out_fault_fd: -1 };
  p.ioctl(fd, uapi.IOMMU_FAULT_QUEUE_ALLOC, a);
  return { id: a.out_fault_id, fd: a.out_fault_fd };
}

function hwptAlloc(d: ReturnType<typeof boundDevice>, ioas: number, fault_id: number, flags = uapi.IOMMU_HWPT_FAULT_ID_VALID): number {
  const a = { size: 48, flags, dev_id: d.devId, pt_id: ioas, out_hwpt_id: 0, fault_id };
  d.p.ioctl(d.fd, uapi.IOMMU_HWPT_ALLOC, a);
  return a.out_hwpt_id;
}

function setup(pri = true) {
  const host = machine({ edu: { atsCapable: true, priCapable: pri } });
  const d = boundDevice({ host, bdf: EDU_BDF });
  const ioas = ioasAlloc(d.p, d.fd);
  const fault = faultAlloc(d.p, d.fd);
  const hwpt = hwptAlloc(d, ioas, fault.id);
  const w64 = (off: number, v: bigint): void => void d.p.pwrite(d.dev, u64le(v), (BigInt(uapi.VFIO_PCI_BAR0_REGION_INDEX) << 40n) + BigInt(off));
  const cfg = (BigInt(uapi.VFIO_PCI_CONFIG_REGION_INDEX) << 40n) + BigInt(uapi.PCI_COMMAND);
  d.p.pwrite(d.dev, Uint8Array.of(uapi.PCI_COMMAND_MEMORY | uapi.PCI_COMMAND_MASTER, 0), cfg);
  /** edu copies between its buffer and IOVA, and the clock runs 200 ms. */
  const dma = (iova: bigint, n: bigint, toRam: boolean): void => {
    w64(EDU.DMA_SRC, toRam ? BigInt(EDU.DMA_START) : iova);
    w64(EDU.DMA_DST, toRam ? iova : BigInt(EDU.DMA_START));
    w64(EDU.DMA_CNT, n);
    w64(EDU.DMA_CMD, BigInt(EDU.DMA_RUN | (toRam ? EDU.DMA_DIR_TO_RAM : 0)));
    host.advance(200_000_000n);
  };
  const dmaToRam = (iova: bigint, n: bigint): void => dma(iova, n, true);
  return { host, d, ioas, fault, hwpt, dma, dmaToRam };
}

function readFaults(p: ReturnType<typeof boundDevice>['p'], fd: number, n = 4) {
  const b = p.read(fd, 40 * n);
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const out = [];
  for (let o = 0; o < b.length; o += 40) {
    out.push({ flags: v.getUint32(o, true), dev_id: v.getUint32(o + 4, true), grpid: v.getUint32(o + 12, true), perm: v.getUint32(o + 16, true), addr: v.getBigUint64(o + 24, true), length: v.getUint32(o + 32, true), cookie: v.getUint32(o + 36, true) });
  }
  return out;
}

function respond(p: ReturnType<typeof boundDevice>['p'], fd: number, cookie: number, code: number): number {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint32(0, cookie, true);
  new DataView(b.buffer).setUint32(4, code, true);
  return p.write(fd, b);
}

describe('IOMMU_FAULT_QUEUE_ALLOC', () => {
  it('returns an object id and an O_CLOEXEC fd; flags must be 0; the fd keeps the object alive', () => {
    const d = boundDevice();
    expectErrno(() => d.p.ioctl(d.fd, uapi.IOMMU_FAULT_QUEUE_ALLOC, { size: 16, flags: 1 }), 'EOPNOTSUPP');
    const f = faultAlloc(d.p, d.fd);
    expect(f.id).toBeGreaterThan(0);
    expect(f.fd).toBeGreaterThan(d.fd);
    expect(d.p.read(f.fd, 40).length).toBe(0); // nothing pending: 0 bytes, no blocking
    expectErrno(() => d.p.read(f.fd, 39), 'ESPIPE');
    expectErrno(() => d.p.write(f.fd, new Uint8Array(7)), 'ESPIPE');
    expectErrno(() => destroy(d.p, d.fd, f.id), 'EBUSY');
    d.p.close(f.fd);
    destroy(d.p, d.fd, f.id);
    expectErrno(() => destroy(d.p, d.fd, f.id), 'ENOENT');
  });
});

describe('IOMMU_HWPT_ALLOC with IOMMU_HWPT_FAULT_ID_VALID', () => {
  it('FAULT_ID_VALID is stripped before the driver check, then fault_id must name a FAULT (ENOENT)', () => {
    const d = boundDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    expectErrno(() => hwptAlloc(d, ioas, 77), 'ENOENT');
    expectErrno(() => hwptAlloc(d, ioas, ioas), 'ENOENT'); // an IOAS is not a FAULT
    const f = faultAlloc(d.p, d.fd);
    // a nest parent takes no faults: iommufd_hwpt_paging_alloc() refuses the pair before anything exists
    expectErrno(() => hwptAlloc(d, ioas, f.id, uapi.IOMMU_HWPT_FAULT_ID_VALID | uapi.IOMMU_HWPT_ALLOC_NEST_PARENT), 'EOPNOTSUPP');
    expect(hwptAlloc(d, ioas, f.id)).toBeGreaterThan(0);
  });

  it('a FAULT referenced by a HWPT cannot be destroyed until the HWPT is', () => {
    const d = boundDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    const f = faultAlloc(d.p, d.fd);
    const h = hwptAlloc(d, ioas, f.id);
    d.p.close(f.fd);
    expectErrno(() => destroy(d.p, d.fd, f.id), 'EBUSY');
    destroy(d.p, d.fd, h);
    destroy(d.p, d.fd, f.id);
  });

  it('attaching a fault-capable HWPT to a device without PRI is ENODEV (intel_iommu_enable_iopf) and changes nothing', () => {
    const { d, hwpt, ioas } = setup(false);
    expectErrno(() => attach(d.p, d.dev, hwpt), 'ENODEV');
    expect(attach(d.p, d.dev, ioas)).toBeGreaterThan(0);
    expectErrno(() => attach(d.p, d.dev, hwpt), 'ENODEV'); // replace refused the same way
  });
});

describe('page requests from a PRI-capable device', () => {
  it('a DMA to an unmapped IOVA becomes a pgfault record; SUCCESS after mapping lets the device retry and finish', () => {
    const { d, ioas, fault, hwpt, dma, dmaToRam } = setup();
    attach(d.p, d.dev, hwpt);
    const src = anonBuffer(d.p, P);
    d.p.writeMem(src, Uint8Array.of(1, 2, 3, 4));
    mapFixed(d.p, d.fd, ioas, src, 0x200000n, P);
    dma(0x200000n, 4n, false); // RAM → edu buffer, mapped: no page request
    expect(readFaults(d.p, fault.fd)).toEqual([]);
    dmaToRam(IOVA + 0x10n, 4n);
    const [rec, ...rest] = readFaults(d.p, fault.fd);
    expect(rest).toEqual([]);
    expect(rec).toMatchObject({ flags: uapi.IOMMU_PGFAULT_FLAGS_LAST_PAGE, dev_id: d.devId, perm: uapi.IOMMU_PGFAULT_PERM_WRITE, addr: IOVA, length: 0, cookie: 1 });
    const va = anonBuffer(d.p, P);
    mapFixed(d.p, d.fd, ioas, va, IOVA, P);
    expect(respond(d.p, fault.fd, rec!.cookie, uapi.IOMMUFD_PAGE_RESP_SUCCESS)).toBe(8);
    d.host.advance(1_000n);
    expect([...d.p.readMem(va + 0x10n, 4)]).toEqual([1, 2, 3, 4]);
    expectErrno(() => respond(d.p, fault.fd, rec!.cookie, uapi.IOMMUFD_PAGE_RESP_SUCCESS), 'EINVAL'); // answered already
  });

  it('INVALID makes the device give up: the command completes with nothing written', () => {
    const { d, fault, hwpt, dmaToRam, host } = setup();
    attach(d.p, d.dev, hwpt);
    dmaToRam(IOVA, 4n);
    const [rec] = readFaults(d.p, fault.fd);
    expectErrno(() => respond(d.p, fault.fd, rec!.cookie, 2), 'EINVAL'); // unknown response code
    respond(d.p, fault.fd, rec!.cookie, uapi.IOMMUFD_PAGE_RESP_INVALID);
    host.advance(1_000n);
    expect(host.trace.list().some((e) => e.text.includes('page response invalid'))).toBe(true);
    expect(readFaults(d.p, fault.fd)).toEqual([]);
  });

  it('detaching the device answers its pending faults INVALID (iommufd_auto_response_faults)', () => {
    const { d, fault, hwpt, ioas, dmaToRam, host } = setup();
    attach(d.p, d.dev, hwpt);
    dmaToRam(IOVA, 4n);
    const [rec] = readFaults(d.p, fault.fd);
    attach(d.p, d.dev, ioas); // replace onto an auto domain without faults
    host.advance(1_000n);
    expect(host.trace.list().some((e) => e.text.includes('page response to') && e.text.includes('invalid'))).toBe(true);
    expectErrno(() => respond(d.p, fault.fd, rec!.cookie, uapi.IOMMUFD_PAGE_RESP_SUCCESS), 'EINVAL');
  });

  it('without a fault-capable HWPT the device sends no page request: the DMA just faults', () => {
    const { d, ioas, fault, dmaToRam, host } = setup();
    attach(d.p, d.dev, ioas);
    dmaToRam(IOVA, 4n);
    expect(readFaults(d.p, fault.fd)).toEqual([]);
    expect(host.faults().map((x) => x.iova)).toEqual([IOVA]);
  });
});

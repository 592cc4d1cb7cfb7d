/**
 * Policed P2P: a VFIO user maps a peer's BAR mmap with MAP_DMA (type1's VM_PFNMAP path,
 * AddressSpace.pin gives MMIO runs). A DMA the IOMMU translates to that physical address
 * must reach the peer's registers, not RAM — and only because the IOMMU allowed it.
 */
import { describe, expect, it } from 'vitest';
import { Host } from '../../src/host/host.js';
import * as uapi from '../../src/uapi/index.js';
import { EDU } from '../../src/hardware/devices/edu.js';
import { enableDevice, groupIdOf } from '../../src/testing/session.js';
import { u64le } from '../support/bytes.js';
import { anonBuffer } from '../support/vfio.js';

const A = '0000:01:00.0';
const B = '0000:02:00.0';

function topology(): Record<string, unknown> {
  const rp = (bdf: string, child: string, addr: string) => ({
    bdf, type: 'root-port', acs: ['SV', 'RR', 'CR', 'UF'],
    children: [{ bdf: child, type: 'endpoint', model: 'edu', bars: [{ index: 0, size: '0x100000', address: addr }] }],
  });
  return {
    name: 'two-edu', ramBytes: '0x100000000', iommu: { invalidation: 'strict' },
    pci: [{ bdf: '0000:00:00.0', type: 'host-bridge' }, rp('0000:00:01.0', A, '0xe0000000'), rp('0000:00:02.0', B, '0xe0100000')],
  };
}

const region = (i: number, off: number): bigint => (BigInt(i) << 40n) + BigInt(off);

function setup() {
  const host = new Host(topology());
  host.bind(A, 'vfio-pci');
  host.bind(B, 'vfio-pci');
  const p = host.spawn();
  const container = p.open('/dev/vfio/vfio', uapi.O_RDWR);
  const devs: number[] = [];
  for (const bdf of [A, B]) {
    const g = p.open(`/dev/vfio/${groupIdOf(p, bdf)}`, uapi.O_RDWR);
    p.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, container);
    if (devs.length === 0) p.ioctl(container, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU);
    const d = p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, bdf);
    enableDevice(p, d);
    devs.push(d);
  }
  const map = (vaddr: bigint, iova: bigint, size: bigint) => p.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, {
    argsz: uapi.sizeofStruct('vfio_iommu_type1_dma_map'), flags: uapi.VFIO_DMA_MAP_FLAG_READ | uapi.VFIO_DMA_MAP_FLAG_WRITE, vaddr, iova, size,
  });
  const ram = anonBuffer(p, 0x1000n);
  map(ram, 0x10_0000n, 0x1000n);
  return { host, p, a: devs[0]!, b: devs[1]!, ram, map };
}

/** Program edu A's DMA engine through its region and let it finish. */
function eduDma(host: Host, p: ReturnType<typeof setup>['p'], dev: number, src: bigint, dst: bigint, toRam: boolean): void {
  const w64 = (off: number, v: bigint) => {
    p.pwrite(dev, u64le(v), region(0, off));
  };
  w64(EDU.DMA_SRC, src);
  w64(EDU.DMA_DST, dst);
  w64(EDU.DMA_CNT, 4n);
  w64(EDU.DMA_CMD, BigInt(EDU.DMA_RUN | (toRam ? EDU.DMA_DIR_TO_RAM : 0)));
  host.clock.run();
}

describe('policed P2P through the IOMMU', () => {
  it('A\'s DMA to an IOVA mapped onto B\'s BAR mmap lands in B\'s registers, not in RAM', () => {
    const { host, p, a, b, ram, map } = setup();
    const bar = p.mmap(0n, 0x1000n, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_SHARED, b, region(0, 0));
    map(bar, 0x20_0000n, 0x1000n);
    const v = new Uint8Array(4);
    new DataView(v.buffer).setUint32(0, 0x1234_5678, true);
    p.writeMem(ram, v);
    eduDma(host, p, a, 0x10_0000n, BigInt(EDU.DMA_START), false);
    eduDma(host, p, a, BigInt(EDU.DMA_START), 0x20_0000n + BigInt(EDU.LIVENESS), true);
    expect(host.machine.modelOf(host.topology.byBdf(B)!).barRead(0, EDU.LIVENESS, 4)).toBe(BigInt(~0x1234_5678 >>> 0));
    expect(host.phys.read(0xe010_0004n, 4)).toEqual(new Uint8Array(4));
    expect(host.faults()).toEqual([]);
    const ev = host.machine.fabric.eventLog();
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ kind: 'mmio', source: A, target: B, via: 'root-complex', access: 'write', addr: 0xe010_0004n, bytes: 4 });
  });

  it('a DMA read through the mapping reads B\'s registers (its identification)', () => {
    const { host, p, a, b, ram, map } = setup();
    const bar = p.mmap(0n, 0x1000n, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_SHARED, b, region(0, 0));
    map(bar, 0x20_0000n, 0x1000n);
    eduDma(host, p, a, 0x20_0000n + BigInt(EDU.ID), BigInt(EDU.DMA_START), false);
    eduDma(host, p, a, BigInt(EDU.DMA_START), 0x10_0000n, true);
    expect(new DataView(p.readMem(ram, 4).buffer).getUint32(0, true)).toBe(EDU.IDENT);
  });

  it('without the mapping the same DMA faults in the IOMMU and B is untouched (the policing)', () => {
    const { host, p, a } = setup();
    eduDma(host, p, a, BigInt(EDU.DMA_START), 0x20_0000n + BigInt(EDU.LIVENESS), true);
    expect(host.faults()[0]).toMatchObject({ source: A, iova: 0x20_0004n, access: 'write', code: 0x5 });
    expect(host.machine.modelOf(host.topology.byBdf(B)!).barRead(0, EDU.LIVENESS, 4)).toBe(0n);
    expect(host.machine.fabric.eventLog()).toEqual([]);
  });
});

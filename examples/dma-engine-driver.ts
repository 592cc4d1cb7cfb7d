/**
 * A user-space driver for the built-in memcpy DMA engine (docs/devices/dma-engine.md), doing
 * what the kernel's tools/testing/selftests/vfio vfio_pci_driver_test does: map memory for
 * DMA, program the engine, copy through it, wait on the MSI-X eventfd, verify the bytes;
 * a copy to an unmapped IOVA faults and is reported.
 */
import { Host, uapi } from '../src/index.js';
import { DMAE } from '../src/hardware/devices/dma-engine.js';
import type { Process } from '../src/process/process.js';
import { openVfio } from '../src/testing/session.js';

export interface MemcpyDriver {
  p: Process;
  device: number;
  container: number;
  bar: bigint;
  msix: number;
  /** IOVA and vaddr of the descriptor ring, completion area and data buffers. */
  ring: { iova: bigint; va: bigint };
  data: { iova: bigint; va: bigint };
}

const IOVA_RING = 0x1000_0000n;
const IOVA_DATA = 0x2000_0000n;
const COMP = 0x800n; // completion records inside the ring's page

export function openEngine(host: Host, bdf: string): MemcpyDriver {
  // bind to vfio-pci, container + group + type1v2 + device fd: the vfio.rst opening sequence
  // (examples/vfio-rst-example.ts spells out each step); device enabling stays below, as a driver does it
  const { p, container, device } = openVfio(host, bdf, { enable: false });

  const map = (iova: bigint, size: bigint) => {
    const va = p.mmap(0n, size, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS, -1, 0n);
    p.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, {
      argsz: uapi.sizeofStruct('vfio_iommu_type1_dma_map'),
      flags: uapi.VFIO_DMA_MAP_FLAG_READ | uapi.VFIO_DMA_MAP_FLAG_WRITE, vaddr: va, iova, size,
    });
    return { iova, va };
  };
  const ring = map(IOVA_RING, 0x1000n);
  const data = map(IOVA_DATA, 0x20000n);

  const region = { argsz: 32, flags: 0, index: uapi.VFIO_PCI_BAR0_REGION_INDEX, cap_offset: 0, size: 0n, offset: 0n };
  p.ioctl(device, uapi.VFIO_DEVICE_GET_REGION_INFO, region);
  const bar = p.mmap(0n, region.size, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_SHARED, device, region.offset);

  // bus mastering on, as a driver's pci_set_master()
  const cfg = BigInt(uapi.VFIO_PCI_CONFIG_REGION_INDEX) << 40n;
  const cmd = p.pread(device, 2, cfg + BigInt(uapi.PCI_COMMAND));
  cmd[0] = cmd[0]! | uapi.PCI_COMMAND_MASTER | uapi.PCI_COMMAND_MEMORY;
  p.pwrite(device, cmd, cfg + BigInt(uapi.PCI_COMMAND));

  // MSI-X vector 0 → an eventfd
  const msix = p.eventfd();
  p.ioctl(device, uapi.VFIO_DEVICE_SET_IRQS, {
    argsz: 24, flags: uapi.VFIO_IRQ_SET_DATA_EVENTFD | uapi.VFIO_IRQ_SET_ACTION_TRIGGER,
    index: uapi.VFIO_PCI_MSIX_IRQ_INDEX, start: 0, count: 1, data: [msix],
  });

  p.write64(bar + BigInt(DMAE.RING_BASE), IOVA_RING);
  p.write32(bar + BigInt(DMAE.RING_SIZE), 16);
  p.write32(bar + BigInt(DMAE.CTRL), DMAE.CTRL_ENABLE);
  return { p, device, container, bar, msix, ring, data };
}

let tail = 0;

/** memcpy_start: one descriptor src → dst with an interrupt on vector 0 and a completion record. */
export function memcpyStart(d: MemcpyDriver, src: bigint, dst: bigint, len: number): bigint {
  const slot = tail % 16;
  const desc = d.ring.va + BigInt(slot * DMAE.DESC_SIZE);
  const comp = COMP + BigInt(slot * 16);
  d.p.write64(desc, src);
  d.p.write64(desc + 8n, dst);
  d.p.write32(desc + 16n, len);
  d.p.write32(desc + 20n, DMAE.DESC_INTERRUPT | (0 << 8));
  d.p.write64(desc + 24n, d.ring.iova + comp);
  d.p.write64(d.ring.va + comp, 0n);
  tail = (tail + 1) % 16;
  d.p.write32(d.bar + BigInt(DMAE.RING_TAIL), tail);
  return d.ring.va + comp;
}

/** memcpy_wait: block on the MSI-X eventfd, then read the completion status. */
export function memcpyWait(d: MemcpyDriver, comp: bigint): number {
  d.p.read(d.msix, 8);
  return d.p.read32(comp);
}

/** The whole test: copy `len` bytes and verify them; then copy to an unmapped IOVA. */
export function runMemcpyTest(host: Host, bdf: string): { copied: boolean; faultStatus: number; engineHalted: boolean; faults: number } {
  tail = 0;
  const d = openEngine(host, bdf);
  const len = 0x4000;
  const pattern = new Uint8Array(len).map((_, i) => (i * 7 + 3) & 0xff);
  d.p.writeMem(d.data.va, pattern);
  const comp = memcpyStart(d, d.data.iova, d.data.iova + 0x10000n, len);
  const status = memcpyWait(d, comp);
  const out = d.p.readMem(d.data.va + 0x10000n, len);
  const copied = status === DMAE.COMP_SUCCESS && out.every((b, i) => b === pattern[i]);
  const bad = memcpyStart(d, d.data.iova, 0x7000_0000n, 64);
  const faultStatus = memcpyWait(d, bad);
  const engineHalted = (d.p.read32(d.bar + BigInt(DMAE.STATUS)) & DMAE.STATUS_HALTED) !== 0;
  return { copied, faultStatus, engineHalted, faults: host.faults().length };
}

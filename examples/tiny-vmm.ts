/**
 * A tiny VMM doing device assignment as QEMU does: guest RAM is one anonymous mapping,
 * DMA-mapped at IOVA = guest-physical address; the NIC's BAR0 is mmapped for the guest;
 * MSI-X vectors 0 (TX) and 1 (RX) are wired to eventfds the VMM would hand to KVM as
 * irqfds. A guest-side driver then sends a frame through the NIC's loopback; the NIC's
 * DMA lands in guest RAM.
 */
import { uapi, type Host } from '../src/index.js';
import { NIC } from '../src/hardware/devices/nic.js';
import { openVfio } from '../src/testing/session.js';

const GUEST_RAM = 0x100000n; // 1 MiB of guest RAM at GPA 0

export function tinyVmm(host: Host, bdf: string): { received: Uint8Array; txIrqs: bigint; rxIrqs: bigint; rxLen: number } {
  // bind to vfio-pci, container + group + type1v2 + device fd: the vfio.rst opening sequence
  // (examples/vfio-rst-example.ts spells out each step); device enabling stays below, as a driver does it
  const { p, container, device } = openVfio(host, bdf, { enable: false });

  // guest RAM: IOVA == GPA
  const ram = p.mmap(0n, GUEST_RAM, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS, -1, 0n);
  p.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, {
    argsz: uapi.sizeofStruct('vfio_iommu_type1_dma_map'),
    flags: uapi.VFIO_DMA_MAP_FLAG_READ | uapi.VFIO_DMA_MAP_FLAG_WRITE, vaddr: ram, iova: 0n, size: GUEST_RAM,
  });
  const gpa = (a: bigint) => ram + a; // the guest's view of its RAM, as the VMM sees it

  // MSI-X: QEMU enables with one vector first, then grows to what the guest programs
  const txIrq = p.eventfd();
  const rxIrq = p.eventfd();
  const setIrqs = (start: number, fds: number[]) => p.ioctl(device, uapi.VFIO_DEVICE_SET_IRQS, {
    argsz: 20 + 4 * fds.length, flags: uapi.VFIO_IRQ_SET_DATA_EVENTFD | uapi.VFIO_IRQ_SET_ACTION_TRIGGER,
    index: uapi.VFIO_PCI_MSIX_IRQ_INDEX, start, count: fds.length, data: fds,
  });
  setIrqs(0, [-1]);
  p.ioctl(device, uapi.VFIO_DEVICE_SET_IRQS, { argsz: 20, flags: uapi.VFIO_IRQ_SET_DATA_NONE | uapi.VFIO_IRQ_SET_ACTION_TRIGGER, index: uapi.VFIO_PCI_MSIX_IRQ_INDEX, start: 0, count: 0 });
  setIrqs(0, [txIrq, rxIrq]);

  // the guest enables the device (config writes trapped by the VMM and forwarded)
  const cfg = BigInt(uapi.VFIO_PCI_CONFIG_REGION_INDEX) << 40n;
  const cmd = p.pread(device, 2, cfg + BigInt(uapi.PCI_COMMAND));
  cmd[0] = cmd[0]! | uapi.PCI_COMMAND_MASTER | uapi.PCI_COMMAND_MEMORY;
  p.pwrite(device, cmd, cfg + BigInt(uapi.PCI_COMMAND));
  const bar = p.mmap(0n, 0x20000n, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_SHARED, device, 0n);

  // ---- guest driver: rings at GPA 0x1000 (TX) and 0x2000 (RX), buffers at 0x10000 / 0x20000
  const frame = new TextEncoder().encode('hello from the guest, through a real IOMMU');
  p.writeMem(gpa(0x10000n), frame);
  p.write64(gpa(0x1000n), 0x10000n);
  p.write32(gpa(0x1008n), frame.length | (NIC.DESC_EOP << 16));
  p.write64(gpa(0x2000n), 0x20000n);
  p.write32(gpa(0x2008n), 2048);
  p.write64(bar + BigInt(NIC.TX_RING_BASE), 0x1000n);
  p.write32(bar + BigInt(NIC.TX_RING_SIZE), 16);
  p.write64(bar + BigInt(NIC.RX_RING_BASE), 0x2000n);
  p.write32(bar + BigInt(NIC.RX_RING_SIZE), 16);
  p.write32(bar + BigInt(NIC.RX_TAIL), 1);
  p.write32(bar + BigInt(NIC.TX_VECTOR), 0);
  p.write32(bar + BigInt(NIC.RX_VECTOR), 1);
  p.write32(bar + BigInt(NIC.CTRL), NIC.CTRL_TX_EN | NIC.CTRL_RX_EN | NIC.CTRL_LOOPBACK);
  p.write32(bar + BigInt(NIC.TX_TAIL), 1);

  const rx = new DataView(p.read(rxIrq, 8).buffer).getBigUint64(0, true);
  const tx = new DataView(p.read(txIrq, 8).buffer).getBigUint64(0, true);
  const rxLen = p.read32(gpa(0x2008n)) & 0xffff;
  return { received: p.readMem(gpa(0x20000n), rxLen), txIrqs: tx, rxIrqs: rx, rxLen };
}

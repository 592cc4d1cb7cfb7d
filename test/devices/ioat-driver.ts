/**
 * A user-space I/OAT driver in the manner of the kernel's VFIO selftest library
 * (tools/testing/selftests/vfio/lib/drivers/ioat/ioat.c and vfio_pci_driver_test.c), written
 * against the syscall surface: vfio-pci takes a CBDMA channel of the bundled `server` through
 * driver_override, the BAR is mmap'd and driven with 1/2/4/8-byte loads and stores, one
 * 64-byte descriptor chained to itself, MSI-X vector 0 on an eventfd. Where the C program
 * spins on CHANSTS, this one runs the next clock event — what `vfio-sim exec` does for a poll
 * loop reading an unchanged register.
 */
import { readFileSync } from 'node:fs';
import { Host, uapi } from '../../src/index.js';
import { IOAT } from '../../src/hardware/devices/ioat.js';
import type { Process } from '../../src/process/process.js';
import { iommuGroupOf } from '../support/sysfs.js';
import { attachContainer } from '../support/vfio.js';

export const SERVER_JSON: unknown = JSON.parse(readFileSync(new URL('../../fixtures/topologies/server.json', import.meta.url), 'utf8'));
export const CBDMA = '0000:00:04.0';

const CFG = BigInt(uapi.VFIO_PCI_CONFIG_REGION_INDEX) << 40n;
/** include/linux/pci_ids.h, as ioat_probe() matches them. */
const PCI_VENDOR_ID_INTEL = 0x8086;
const PCI_DEVICE_ID_INTEL_IOAT_SKX = 0x2021;
const SZ_2M = 2n << 20n;

export interface Region {
  readonly va: bigint;
  readonly iova: bigint;
  readonly size: bigint;
}

/** The selftests' iommu_mode variants this helper covers: a type1v2 container, or iommufd with a device cdev. */
export type IommuMode = 'vfio_type1v2_iommu' | 'iommufd';

export interface Ioat {
  readonly host: Host;
  readonly p: Process;
  readonly device: number;
  /** Map `size` bytes at user address `va` for DMA at `iova` (VFIO_IOMMU_MAP_DMA or IOMMU_IOAS_MAP). */
  readonly map: (va: bigint, iova: bigint, size: bigint) => void;
  readonly unmap: (iova: bigint, size: bigint) => void;
  /** BAR0 as mapped; the channel's registers are at +0x80. */
  readonly bar: bigint;
  /** The driver's own memory: the descriptor at +0, the send_msi source at +64, destination at +72. */
  readonly region: Region;
  readonly msiFd: number;
  readonly maxMemcpySize: bigint;
  /** Clock events run while waiting (how much polling the device made necessary). */
  events: number;
}

/** mmap(MAP_SHARED | MAP_ANONYMOUS) + a DMA mapping, as the test's region_setup(). */
export function regionSetup(d: Pick<Ioat, 'p' | 'map'>, iova: bigint, size: bigint): Region {
  const va = d.p.mmap(0n, size, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_SHARED | uapi.MAP_ANONYMOUS, -1, 0n);
  d.map(va, iova, size);
  return { va, iova, size };
}

export function cfgRead32(p: Process, device: number, off: number): number {
  const b = p.pread(device, 4, CFG + BigInt(off));
  return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
}

export function cfgWrite(p: Process, device: number, off: number, v: number, len = 4): void {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (v >>> (8 * i)) & 0xff;
  p.pwrite(device, b, CFG + BigInt(off));
}

export type IoatBase = Omit<Ioat, 'msiFd' | 'maxMemcpySize' | 'events'>;

/** A type1v2 container with the device's group: the device fd and VFIO_IOMMU_MAP_DMA. */
function openType1(p: Process, bdf: string): Pick<Ioat, 'device' | 'map' | 'unmap'> {
  const container = p.open('/dev/vfio/vfio', uapi.O_RDWR);
  const group = p.open(`/dev/vfio/${iommuGroupOf(p, bdf)}`, uapi.O_RDWR);
  attachContainer(p, group, container);
  const map = (vaddr: bigint, iova: bigint, size: bigint): void => void p.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, {
    argsz: uapi.sizeofStruct('vfio_iommu_type1_dma_map'),
    flags: uapi.VFIO_DMA_MAP_FLAG_READ | uapi.VFIO_DMA_MAP_FLAG_WRITE, vaddr, iova, size,
  });
  const unmap = (iova: bigint, size: bigint): void => void p.ioctl(container, uapi.VFIO_IOMMU_UNMAP_DMA, {
    argsz: uapi.sizeofStruct('vfio_iommu_type1_dma_unmap'), flags: 0, iova, size,
  });
  return { device: p.ioctl(group, uapi.VFIO_GROUP_GET_DEVICE_FD, bdf), map, unmap };
}

/** The device cdev bound to iommufd and attached to a fresh IOAS: IOMMU_IOAS_MAP at fixed IOVAs. */
function openIommufd(p: Process, bdf: string): Pick<Ioat, 'device' | 'map' | 'unmap'> {
  const device = p.open(`/dev/vfio/devices/${p.readdir(`/sys/bus/pci/devices/${bdf}/vfio-dev`)[0]!}`, uapi.O_RDWR);
  const iommufd = p.open('/dev/iommu', uapi.O_RDWR);
  p.ioctl(device, uapi.VFIO_DEVICE_BIND_IOMMUFD, { argsz: 24, flags: 0, iommufd, out_devid: 0 });
  const ioas = { size: uapi.sizeofStruct('iommu_ioas_alloc'), flags: 0, out_ioas_id: 0 };
  p.ioctl(iommufd, uapi.IOMMU_IOAS_ALLOC, ioas);
  p.ioctl(device, uapi.VFIO_DEVICE_ATTACH_IOMMUFD_PT, { argsz: 16, flags: 0, pt_id: ioas.out_ioas_id });
  const map = (user_va: bigint, iova: bigint, length: bigint): void => void p.ioctl(iommufd, uapi.IOMMU_IOAS_MAP, {
    size: uapi.sizeofStruct('iommu_ioas_map'), flags: uapi.IOMMU_IOAS_MAP_FIXED_IOVA | uapi.IOMMU_IOAS_MAP_READABLE | uapi.IOMMU_IOAS_MAP_WRITEABLE,
    ioas_id: ioas.out_ioas_id, user_va, length, iova,
  });
  const unmap = (iova: bigint, length: bigint): void => void p.ioctl(iommufd, uapi.IOMMU_IOAS_UNMAP, {
    size: uapi.sizeofStruct('iommu_ioas_unmap'), ioas_id: ioas.out_ioas_id, iova, length,
  });
  return { device, map, unmap };
}

/** driver_override → unbind from ioatdma → drivers_probe, then the `mode`'s set-up, the BAR mmap and the driver's region. */
export function openIoat(host: Host, mode: IommuMode = 'vfio_type1v2_iommu', bdf = CBDMA, driverIova = 0x1_0000_0000n): IoatBase {
  const p = host.spawn();
  p.writeFile(`/sys/bus/pci/devices/${bdf}/driver_override`, 'vfio-pci');
  p.writeFile('/sys/bus/pci/drivers/ioatdma/unbind', bdf);
  p.writeFile('/sys/bus/pci/drivers_probe', bdf);
  const { device, map, unmap } = mode === 'iommufd' ? openIommufd(p, bdf) : openType1(p, bdf);
  const info = { argsz: 32, flags: 0, index: uapi.VFIO_PCI_BAR0_REGION_INDEX, cap_offset: 0, size: 0n, offset: 0n };
  p.ioctl(device, uapi.VFIO_DEVICE_GET_REGION_INFO, info);
  const bar = p.mmap(0n, info.size, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_SHARED, device, info.offset);
  const region = regionSetup({ p, map }, driverIova, SZ_2M);
  return { host, p, device, map, unmap, bar, region };
}

/** ioat_probe(): the ids, then CBVER must be 3.2 or 3.3. */
export function probe(d: Pick<Ioat, 'p' | 'device' | 'bar'>): boolean {
  const id = cfgRead32(d.p, d.device, uapi.PCI_VENDOR_ID);
  if (id !== ((PCI_DEVICE_ID_INTEL_IOAT_SKX << 16) | PCI_VENDOR_ID_INTEL)) return false;
  const version = d.p.read8(d.bar + BigInt(IOAT.VER));
  return version === 0x32 || version === 0x33;
}

const chan = (d: Pick<Ioat, 'bar'>, off: number): bigint => d.bar + BigInt(off);

export function channelStatus(d: Pick<Ioat, 'p' | 'bar'>): number {
  return Number(d.p.read64(chan(d, IOAT.CHANSTS)) & BigInt(IOAT.CHANSTS_STATUS));
}

/** ioat_clear_errors(), including its write of DMAUNCERRSTS's value to CHANERR_INT. */
function clearErrors(d: Pick<Ioat, 'p' | 'device' | 'bar'>): void {
  cfgWrite(d.p, d.device, IOAT.PCI_CHANERR_INT, cfgRead32(d.p, d.device, IOAT.PCI_CHANERR_INT));
  cfgWrite(d.p, d.device, IOAT.PCI_CHANERR_INT, cfgRead32(d.p, d.device, IOAT.PCI_DMAUNCERRSTS));
  d.p.write32(chan(d, IOAT.CHANERR), d.p.read32(chan(d, IOAT.CHANERR)));
}

/** ioat_reset(): clear errors, CHANCMD.RESET, sleep 1 ms while it reads back set; then HALTED. */
export function reset(d: Pick<Ioat, 'host' | 'p' | 'device' | 'bar'>): void {
  clearErrors(d);
  d.p.write8(chan(d, IOAT.CHANCMD), IOAT.CHANCMD_RESET);
  for (let attempts = 5000; d.p.read8(chan(d, IOAT.CHANCMD)) & IOAT.CHANCMD_RESET;) {
    if (--attempts <= 0) throw new Error('ioat: channel reset never completed');
    d.host.advance(1_000_000n); // usleep(1000)
  }
  const st = channelStatus(d);
  if (st !== IOAT.CHANSTS_HALTED) throw new Error(`ioat: CHANSTS ${st} after reset, not HALTED`);
}

/** ioat_init(): memory + bus master + INTx off, reset, MSI-X vector control, every MSI-X vector on an eventfd. */
export function init(base: IoatBase): Ioat {
  const d = base;
  cfgWrite(d.p, d.device, uapi.PCI_COMMAND, uapi.PCI_COMMAND_MEMORY | uapi.PCI_COMMAND_MASTER | uapi.PCI_COMMAND_INTX_DISABLE, 2);
  reset(d);
  d.p.write8(d.bar + BigInt(IOAT.INTRCTRL), IOAT.INTRCTRL_MSIX_VECTOR_CONTROL);
  const irq = { argsz: 16, flags: 0, index: uapi.VFIO_PCI_MSIX_IRQ_INDEX, count: 0 };
  d.p.ioctl(d.device, uapi.VFIO_DEVICE_GET_IRQ_INFO, irq);
  const fds = Array.from({ length: irq.count }, () => d.p.eventfd());
  d.p.ioctl(d.device, uapi.VFIO_DEVICE_SET_IRQS, {
    argsz: 20 + 4 * fds.length, flags: uapi.VFIO_IRQ_SET_DATA_EVENTFD | uapi.VFIO_IRQ_SET_ACTION_TRIGGER,
    index: uapi.VFIO_PCI_MSIX_IRQ_INDEX, start: 0, count: fds.length, data: fds,
  });
  const maxMemcpySize = 1n << BigInt(d.p.read8(d.bar + BigInt(IOAT.XFERCAP)));
  return { ...d, msiFd: fds[0]!, maxMemcpySize, events: 0 };
}

/** ioat_remove(): reset, MSI-X off. */
export function remove(d: Ioat): void {
  reset(d);
  d.p.ioctl(d.device, uapi.VFIO_DEVICE_SET_IRQS, {
    argsz: 20, flags: uapi.VFIO_IRQ_SET_DATA_NONE | uapi.VFIO_IRQ_SET_ACTION_TRIGGER, index: uapi.VFIO_PCI_MSIX_IRQ_INDEX, start: 0, count: 0,
  });
}

/** __ioat_memcpy_start(): one descriptor chained to itself, CHAINADDR, CHANCTRL, then DMACOUNT = count. */
export function memcpyStart(d: Ioat, src: bigint, dst: bigint, size: bigint, count: number, interrupt = false): void {
  const desc = d.region.va;
  const descIova = d.region.iova;
  d.p.write32(desc, Number(size));
  d.p.write32(desc + 4n, (IOAT.OP_COPY << 24) | (interrupt ? IOAT.DESC_INT_EN : 0));
  d.p.write64(desc + 8n, src);
  d.p.write64(desc + 16n, dst);
  d.p.write64(desc + 24n, descIova);
  d.p.write64(chan(d, IOAT.CHAINADDR), descIova);
  d.p.write16(chan(d, IOAT.CHANCTRL), IOAT.CHANCTRL_INT_REARM | IOAT.CHANCTRL_ANY_ERR_ABORT_EN);
  d.p.write16(chan(d, IOAT.DMACOUNT), count);
}

/** What ioat_handle_error() prints before it resets the channel. */
export interface IoatError {
  readonly chanerr: number;
  readonly chanerrInt: number;
  readonly dmauncerrsts: number;
}

/** ioat_memcpy_wait(): spin until DONE (or HALTED: report and reset), then SUSPEND and spin until SUSPENDED. */
export function memcpyWait(d: Ioat): IoatError | null {
  for (;;) {
    const st = channelStatus(d);
    if (st === IOAT.CHANSTS_DONE) break;
    if (st === IOAT.CHANSTS_HALTED) {
      const e = {
        chanerr: d.p.read32(chan(d, IOAT.CHANERR)),
        chanerrInt: cfgRead32(d.p, d.device, IOAT.PCI_CHANERR_INT),
        dmauncerrsts: cfgRead32(d.p, d.device, IOAT.PCI_DMAUNCERRSTS),
      };
      reset(d);
      return e;
    }
    step(d);
  }
  d.p.write8(chan(d, IOAT.CHANCMD), IOAT.CHANCMD_SUSPEND);
  while (channelStatus(d) !== IOAT.CHANSTS_SUSPENDED) step(d);
  return null;
}

function step(d: Ioat): void {
  if (d.host.run({ maxEvents: 1 }) === 0) throw new Error('ioat: waiting on a channel with nothing scheduled');
  d.events++;
}

/** ioat_send_msi(): an 8-byte copy inside the driver's region with int_en, then wait. */
export function sendMsi(d: Ioat): IoatError | null {
  memcpyStart(d, d.region.iova + 64n, d.region.iova + 72n, 8n, 1, true);
  return memcpyWait(d);
}

/** read() of the MSI eventfd without blocking: its count, or null for EAGAIN (ASSERT_NO_MSI). */
export function readMsi(d: Ioat): bigint | null {
  d.p.fcntl(d.msiFd, uapi.F_SETFL, d.p.fcntl(d.msiFd, uapi.F_GETFL) | uapi.O_NONBLOCK);
  try {
    const b = d.p.read(d.msiFd, 8);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  } catch (e) {
    if ((e as { code?: string }).code === 'EAGAIN') return null;
    throw e;
  }
}

/**
 * Region read/write and ioeventfds (drivers/vfio/pci/vfio_pci_rdwr.c, vfio_pci_core_read/
 * write): the offset's top bits pick the region (index << 40), config goes through the
 * virtualization, BARs are split into naturally aligned device accesses.
 *
 * Invariants: length 0 returns 0 before any check; config out of range is EFAULT for the
 * whole request; a BAR access starting past the end is EINVAL, one running past it is
 * short; the MSI-X table reads 0xFF and drops writes; with the virtual MEMORY bit clear a
 * memory BAR access fails EIO; ioeventfd writes with memory disabled vanish.
 */
import { fail, ok, type Result } from '../../base/result.js';
import type { AccessSize } from '../../hardware/devices/model-types.js';
import * as V from '../../uapi/vfio.js';
import type { SyscallContext } from '../fs/file.js';
import type { StructArg } from '../ioctl-table.js';
import { u32, u64 } from '../uaccess.js';
import { eventfdOf } from './irq-set-args.js';
import type { Ioeventfd, VfioPciCoreDevice } from './vfio-pci-core.js';
import { isVga } from './regions.js';
import { wake } from './features.js';
import { getLE, putLE } from '../../hardware/devices/le-bytes.js';

const SHIFT = 40n;
const MASK = (1n << SHIFT) - 1n;
export const IOEVENTFD_MAX = 1000;

/** vfio_pci_rw. */
export function regionRw(d: VfioPciCoreDevice, data: Uint8Array, off: bigint, write: boolean): Result<number> {
  if (data.length === 0) return ok(0);
  const index = Number(off >> SHIFT);
  const pos = off & MASK;
  if (index >= V.VFIO_PCI_NUM_REGIONS) return fail('EINVAL', 'vfio_pci_rw: region index out of range');
  wake(d); // pm_runtime_resume_and_get: after the count and index checks, never before
  if (index === V.VFIO_PCI_CONFIG_REGION_INDEX) {
    return d.vconf!.access(pos > 0xffff_ffffn ? -1 : Number(pos), data, write);
  }
  if (index === V.VFIO_PCI_ROM_REGION_INDEX) {
    if (write) return fail('EINVAL', 'vfio_pci_rw: ROM is read-only');
    if (d.model.rom === null) return fail('EINVAL', 'vfio_pci_bar_rw: no ROM');
    return romRead(d, data, pos);
  }
  if (index === V.VFIO_PCI_VGA_REGION_INDEX) return vgaRw(d, data, pos, write);
  return barRw(d, index, data, pos, write);
}

/** The legacy VGA windows inside the VGA region, identity-mapped: [start, end, I/O port?]. */
const VGA_WINDOWS: ReadonlyArray<readonly [number, number, boolean]> = [
  [0xa0000, 0xc0000, false], [0x3b0, 0x3bc, true], [0x3c0, 0x3e0, true],
];

/** vfio_pci_vga_rw: no memory-decode gate; the count is clipped to the window it starts in. */
function vgaRw(d: VfioPciCoreDevice, data: Uint8Array, pos: bigint, write: boolean): Result<number> {
  if (!isVga(d)) return fail('EINVAL', 'vfio_pci_vga_rw: not a VGA device (or vfio_pci.disable_vga)');
  if (pos > 0xbffffn) return fail('EINVAL', 'vfio_pci_vga_rw: beyond the legacy VGA range');
  const p0 = Number(pos);
  const w = VGA_WINDOWS.find(([lo, hi]) => p0 >= lo && p0 < hi);
  if (w === undefined) return fail('EINVAL', 'vfio_pci_vga_rw: not in a legacy VGA window');
  const count = Math.min(data.length, w[1] - p0);
  const space = w[2] ? 'io' : 'mem';
  const m = d.model;
  let done = 0;
  while (done < count) {
    const p = p0 + done;
    const left = count - done;
    const size: AccessSize = p % 8 === 0 && left >= 8 ? 8 : p % 4 === 0 && left >= 4 ? 4 : p % 2 === 0 && left >= 2 ? 2 : 1;
    if (write) m.vgaWrite?.(space, p, size, getLE(data, done, size));
    else putLE(data, done, size, m.vgaRead?.(space, p, size) ?? (1n << BigInt(8 * size)) - 1n);
    done += size;
  }
  return ok(count);
}

/**
 * vfio_pci_bar_rw on the ROM: `pos >= BAR size` is EINVAL first; the image (pci_map_rom's
 * size, from the 0x55AA header) is read through the memory-decode gate (EIO), the rest of
 * the BAR is the excluded range filled with 0xFF without touching the device.
 */
function romRead(d: VfioPciCoreDevice, data: Uint8Array, pos: bigint): Result<number> {
  const rom = d.model.rom!;
  const size = BigInt(rom.length);
  if (pos >= size) return fail('EINVAL', 'vfio_pci_bar_rw: beyond the ROM');
  const image = rom[0] === 0x55 && rom[1] === 0xaa ? BigInt(rom[2]! * 512) : 0n;
  if (pos < image && !d.memoryEnabled()) return fail('EIO', 'vfio_pci_core_do_io_rw: memory decode disabled');
  const n = Number(size - pos < BigInt(data.length) ? size - pos : BigInt(data.length));
  data.set(rom.subarray(Number(pos), Number(pos) + n));
  return ok(n);
}

/** vfio_pci_bar_rw + vfio_pci_core_do_io_rw. Partial effects of a failed write remain, as in Linux. */
function barRw(d: VfioPciCoreDevice, index: number, data: Uint8Array, pos: bigint, write: boolean): Result<number> {
  const bar = d.fn.bars.find((b) => b.index === index);
  if (bar === undefined || bar.size === 0n || bar.address === 0n) return fail('EINVAL', 'vfio_pci_bar_rw: BAR has no host resource');
  if (pos >= bar.size) return fail('EINVAL', 'vfio_pci_bar_rw: position beyond the BAR');
  const count = Number(bar.size - pos < BigInt(data.length) ? bar.size - pos : BigInt(data.length));
  const msix = d.fn.capabilities.msix;
  const hole = msix !== null && msix.tableBar === index ? [Number(msix.tableOffset), Number(msix.tableOffset) + 16 * msix.vectors] : null;
  let p = Number(pos);
  let done = 0;
  while (done < count) {
    const left = count - done;
    const size: AccessSize = p % 8 === 0 && left >= 8 ? 8 : p % 4 === 0 && left >= 4 ? 4 : p % 2 === 0 && left >= 2 ? 2 : 1;
    let n: number = size;
    if (hole !== null && p < hole[1]! && p + size > hole[0]!) {
      n = p >= hole[0]! ? Math.min(left, hole[1]! - p) : hole[0]! - p;
      if (p >= hole[0]!) {
        if (!write) data.fill(0xff, done, done + n);
        done += n;
        p += n;
        continue;
      }
      const room = hole[0]! - p;
      n = room >= 4 && p % 4 === 0 ? 4 : room >= 2 && p % 2 === 0 ? 2 : 1;
    }
    if (!bar.io && !d.memoryEnabled()) return fail('EIO', 'vfio_pci_core_do_io_rw: memory decode disabled');
    const sz = n as AccessSize;
    if (write) d.model.barWrite(index, p, sz, getLE(data, done, sz));
    else putLE(data, done, sz, d.model.barRead(index, p, sz));
    done += n;
    p += n;
  }
  return ok(count);
}

/** VFIO_DEVICE_IOEVENTFD (vfio_pci_ioctl_ioeventfd + vfio_pci_ioeventfd). */
export function ioeventfd(d: VfioPciCoreDevice, a: StructArg, ctx: SyscallContext): Result<number> {
  const flags = u32(a.f, 'flags');
  const offset = u64(a.f, 'offset');
  const fd = u32(a.f, 'fd');
  const why = 'vfio_pci_ioctl_ioeventfd';
  if (a.argsz < a.minsz) return fail('EINVAL', `${why}: argsz < minsz`);
  if (flags & ~V.VFIO_DEVICE_IOEVENTFD_SIZE_MASK) return fail('EINVAL', `${why}: unknown flags`);
  const width = flags & V.VFIO_DEVICE_IOEVENTFD_SIZE_MASK;
  if (width !== 1 && width !== 2 && width !== 4 && width !== 8) return fail('EINVAL', `${why}: not exactly one size`);
  if (fd < -1) return fail('EINVAL', `${why}: fd < -1`);
  const bar = Number(offset >> SHIFT);
  const pos = offset & MASK;
  if (bar > V.VFIO_PCI_BAR5_REGION_INDEX) return fail('EINVAL', 'vfio_pci_ioeventfd: not a BAR');
  const b = d.fn.bars.find((x) => x.index === bar);
  const len = b?.size ?? 0n;
  if (pos + BigInt(width) > len) return fail('EINVAL', 'vfio_pci_ioeventfd: beyond the BAR');
  const msix = d.fn.capabilities.msix;
  if (msix !== null && msix.tableBar === bar && pos + BigInt(width) > msix.tableOffset && pos < msix.tableOffset + BigInt(16 * msix.vectors)) {
    return fail('EINVAL', 'vfio_pci_ioeventfd: overlaps the MSI-X table');
  }
  if (width === 8) return fail('EINVAL', 'vfio_pci_ioeventfd: 8-byte ioeventfds are not supported');
  // vfio_pci_ioeventfd matches the full 64-bit data; only the write is truncated to `width`
  const data = u64(a.f, 'data');
  const p = Number(pos);
  const i = d.ioeventfds.findIndex((e) => e.bar === bar && e.pos === p && e.data === data && e.width === width);
  if (i >= 0) {
    if (fd !== -1) return fail('EEXIST', 'vfio_pci_ioeventfd: same (offset, data, width) exists');
    d.ioeventfds.splice(i, 1)[0]!.off?.();
    return ok(0);
  }
  if (fd === -1) return fail('ENODEV', 'vfio_pci_ioeventfd: no such ioeventfd');
  if (d.ioeventfds.length >= IOEVENTFD_MAX) return fail('ENOSPC', 'vfio_pci_ioeventfd: too many ioeventfds');
  const e = eventfdOf(ctx, fd);
  if (!e.ok) return e;
  const ev = e.value;
  const entry: Ioeventfd = { bar, pos: p, data, width: width as 1 | 2 | 4, off: null };
  const write = (): void => {
    if (!b!.io && !d.mappedAccessOk()) return; // vfio_pci_ioeventfd_handler: dropped silently
    d.model.barWrite(bar, p, width as AccessSize, data & ((1n << BigInt(8 * width)) - 1n));
  };
  entry.off = ev.subscribe(() => {
    if (ev.take() !== null) write(); // virqfd_wakeup reads (zeroes) the counter
  });
  d.ioeventfds.push(entry);
  if (ev.count > 0n) write(); // already signalled at registration: written now, counter untouched
  return ok(0);
}

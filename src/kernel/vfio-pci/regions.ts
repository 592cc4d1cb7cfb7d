/**
 * Region description and mmap (vfio_pci_ioctl_get_info, vfio_pci_ioctl_get_region_info,
 * vfio_pci_core_mmap): nine fixed regions, BARs at index << 40, the MSI-X BAR tagged
 * MSIX_MAPPABLE, ROM read-only (size = ROM BAR size), config never mappable, VGA (0xc0000 bytes,
 * read/write, never mmap) only on VGA-class devices while vfio_pci.disable_vga is off.
 *
 * Invariants: a BAR mapping holds a reference on the device file (close does not run the
 * last-close path while it exists); each CPU access through it is one device access of its
 * width, allowed only while the virtual MEMORY bit is set, the device is in D0 and low
 * power is not engaged (else SIGBUS) — a reset merely "zaps" it, so it works again after.
 */
import { fail, ok, okVoid, type Result } from '../../base/result.js';
import type { AccessSize } from '../../hardware/devices/model-types.js';
import * as V from '../../uapi/vfio.js';
import type { DeviceMapping, MmapRequest, OpenFile } from '../fs/file.js';
import { offsetofend, sizeofStruct } from '../../uapi/structs.js';
import type { StructArg } from '../ioctl-table.js';
import { u32 } from '../uaccess.js';
import type { VfioPciCoreDevice } from './vfio-pci-core.js';

const PAGE = 4096n;
const VGA_CLASS = 0x0300;

export function deviceInfo(d: VfioPciCoreDevice, a: StructArg): Result<number> {
  const argsz = a.argsz;
  if (argsz < a.minsz) return fail('EINVAL', 'vfio_pci_ioctl_get_info: argsz < minsz');
  const out: Record<string, number> = {
    flags: V.VFIO_DEVICE_FLAGS_PCI | (d.resetWorks ? V.VFIO_DEVICE_FLAGS_RESET : 0),
    num_regions: V.VFIO_PCI_NUM_REGIONS,
    num_irqs: V.VFIO_PCI_NUM_IRQS,
  };
  if (argsz >= offsetofend('vfio_device_info', 'cap_offset')) out['cap_offset'] = 0;
  if (argsz >= offsetofend('vfio_device_info', 'pad')) out['pad'] = 0;
  Object.assign(a.obj, out);
  return ok(0);
}

/** vfio_pci_probe_mmaps: memory BAR of a page or more, or a page-aligned smaller one. */
export function barMmappable(d: VfioPciCoreDevice, index: number): boolean {
  const bar = d.fn.bars.find((b) => b.index === index);
  if (bar === undefined || bar.io || bar.size === 0n || bar.address === 0n) return false;
  return bar.size >= PAGE || bar.address % PAGE === 0n;
}

/** vdev->has_vga: a VGA-class function (0x0300xx) while vfio_pci.disable_vga is off. */
export function isVga(d: VfioPciCoreDevice): boolean {
  return d.fn.classCode >> 8 === VGA_CLASS && !d.k.params.bool('vfio_pci', 'disable_vga');
}

export function regionInfo(d: VfioPciCoreDevice, a: StructArg): Result<number> {
  const { argsz } = a;
  const index = u32(a.f, 'index');
  if (argsz < a.minsz) return fail('EINVAL', 'vfio_get_region_info: argsz < minsz');
  const offset = BigInt(index) << 40n;
  let size = 0n;
  let flags = 0;
  const caps: Array<Record<string, number>> = [];
  if (index === V.VFIO_PCI_CONFIG_REGION_INDEX) {
    size = BigInt(d.model.config.size);
    flags = V.VFIO_REGION_INFO_FLAG_READ | V.VFIO_REGION_INFO_FLAG_WRITE;
  } else if (index <= V.VFIO_PCI_BAR5_REGION_INDEX) {
    const bar = d.fn.bars.find((b) => b.index === index);
    if (bar !== undefined && bar.size > 0n) {
      size = bar.size;
      flags = V.VFIO_REGION_INFO_FLAG_READ | V.VFIO_REGION_INFO_FLAG_WRITE;
      if (barMmappable(d, index)) {
        flags |= V.VFIO_REGION_INFO_FLAG_MMAP;
        if (d.fn.capabilities.msix?.tableBar === index) caps.push({ id: V.VFIO_REGION_INFO_CAP_MSIX_MAPPABLE, version: 1, next: 0 });
      }
    }
  } else if (index === V.VFIO_PCI_ROM_REGION_INDEX) {
    if (d.model.rom !== null) {
      size = BigInt(d.model.rom.length);
      flags = V.VFIO_REGION_INFO_FLAG_READ;
    }
  } else if (index === V.VFIO_PCI_VGA_REGION_INDEX) {
    if (!isVga(d)) return fail('EINVAL', 'vfio_pci_ioctl_get_region_info: not a VGA device');
    size = 0xc0000n;
    flags = V.VFIO_REGION_INFO_FLAG_READ | V.VFIO_REGION_INFO_FLAG_WRITE;
  } else {
    return fail('EINVAL', 'vfio_pci_ioctl_get_region_info: no such region');
  }
  const out: Record<string, unknown> = { flags, cap_offset: 0, size, offset };
  if (caps.length > 0) {
    out['flags'] = flags | V.VFIO_REGION_INFO_FLAG_CAPS;
    const need = sizeofStruct('vfio_region_info') + 8 * caps.length;
    if (argsz < need) out['argsz'] = need;
    else {
      out['cap_offset'] = sizeofStruct('vfio_region_info');
      out['caps'] = caps;
    }
  }
  Object.assign(a.obj, out);
  return ok(0);
}

const MAP_SHARED = 0x01;
const MAP_SHARED_VALIDATE = 0x03;

/** vfio_pci_core_mmap. */
export function mmapRegion(d: VfioPciCoreDevice, f: OpenFile, req: MmapRequest): Result<DeviceMapping> {
  const index = Number(req.offset >> 40n);
  const pgoff = req.offset & ((1n << 40n) - 1n);
  if (index >= V.VFIO_PCI_NUM_REGIONS) return fail('EINVAL', 'vfio_pci_core_mmap: region index out of range');
  const type = req.flags & 0x0f;
  if (type !== MAP_SHARED && type !== MAP_SHARED_VALIDATE) return fail('EINVAL', 'vfio_pci_core_mmap: not MAP_SHARED');
  if (index >= V.VFIO_PCI_ROM_REGION_INDEX) return fail('EINVAL', 'vfio_pci_core_mmap: ROM, config and VGA are not mappable');
  if (!barMmappable(d, index)) return fail('EINVAL', 'vfio_pci_core_mmap: BAR not mmappable');
  const bar = d.fn.bars.find((b) => b.index === index)!;
  const phys = ((bar.size + PAGE - 1n) / PAGE) * PAGE;
  if (pgoff + req.length > phys) return fail('EINVAL', 'vfio_pci_core_mmap: beyond the BAR');
  f.get();
  const name = `vfio-pci ${d.bdf} BAR${index}`;
  const access = (off: bigint, len: number): Result<number> => {
    if (!d.mappedAccessOk()) return fail('EFAULT', `SIGBUS: ${name}: memory decode disabled, device in D3 or low power`);
    const p = pgoff + off;
    if (p + BigInt(len) > bar.size) return fail('EFAULT', `SIGBUS: ${name}: beyond the BAR`);
    return ok(Number(p));
  };
  return ok({
    kind: 'device',
    name,
    traceBase: { region: `bar${index}`, offset: pgoff },
    read(off, len) {
      const p = access(off, len);
      if (!p.ok) return p;
      const out = new Uint8Array(len);
      pieces(p.value, len, (at, size, done) => {
        const v = d.model.barRead(index, at, size);
        for (let i = 0; i < size; i++) out[done + i] = Number((v >> BigInt(8 * i)) & 0xffn);
      });
      return ok(out);
    },
    write(off, data) {
      const p = access(off, data.length);
      if (!p.ok) return p;
      pieces(p.value, data.length, (at, size, done) => {
        let v = 0n;
        for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(data[done + i]!);
        d.model.barWrite(index, at, size, v);
      });
      return okVoid();
    },
    physAddr(off) {
      return bar.address + pgoff + off;
    },
    // Every VMA piece holds its own reference on the device file, as each Linux VMA holds
    // its vm_file: a partial munmap drops only the piece it removes.
    split() {
      f.get();
    },
    unmapped() {
      f.put();
    },
  });
}

/** Split [at, at+len) into naturally aligned 8/4/2/1-byte accesses (a CPU access is one of them). */
function pieces(at: number, len: number, fn: (at: number, size: AccessSize, done: number) => void): void {
  let done = 0;
  while (done < len) {
    const p = at + done;
    const left = len - done;
    const size: AccessSize = p % 8 === 0 && left >= 8 ? 8 : p % 4 === 0 && left >= 4 ? 4 : p % 2 === 0 && left >= 2 ? 2 : 1;
    fn(p, size, done);
    done += size;
  }
}

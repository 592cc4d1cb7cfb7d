/**
 * The arguments of VFIO_DEVICE_SET_IRQS as vfio_set_irqs_validate_and_prepare checks them,
 * the vector counts per index (vfio_pci_get_irq_count), and eventfd lookup. A SetIrqs that
 * comes out of validate() has a legal data type, a start/count inside the index's vectors
 * and `count` data elements of the right JS type.
 */
import { fail, ok, type Result } from '../../base/result.js';
import { CFG } from '../../hardware/devices/config-space.js';
import * as V from '../../uapi/vfio.js';
import type { EventFd } from '../eventfd.js';
import type { SyscallContext } from '../fs/file.js';
import type { StructArg } from '../ioctl-table.js';
import { flexArray, u32 } from '../uaccess.js';
import type { VfioPciCoreDevice } from './vfio-pci-core.js';

/** vfio_pci_get_irq_count: from the hardware capabilities, not vconfig. */
export function irqCount(d: VfioPciCoreDevice, index: number): number {
  const fn = d.fn;
  switch (index) {
    case V.VFIO_PCI_INTX_IRQ_INDEX: return d.vconf !== null && d.vconf.vconfig[CFG.INT_PIN] !== 0 ? 1 : 0;
    case V.VFIO_PCI_MSI_IRQ_INDEX: return fn.capabilities.msi ? 1 << Math.ceil(Math.log2(fn.capabilities.msi.vectors)) : 0;
    case V.VFIO_PCI_MSIX_IRQ_INDEX: return fn.capabilities.msix?.vectors ?? 0;
    case V.VFIO_PCI_ERR_IRQ_INDEX: return fn.isPcie ? 1 : 0;
    case V.VFIO_PCI_REQ_IRQ_INDEX: return 1;
    default: return 0;
  }
}

/**
 * vdev->has_dyn_msix = pci_msix_can_alloc_dyn(): the x86 vector and interrupt-remapping MSI
 * domains support MSI_FLAG_PCI_MSIX_ALLOC_DYN (since v6.5), the arm64 GICv3 ITS does not.
 */
export function hasDynMsix(d: VfioPciCoreDevice): boolean {
  return d.fn.capabilities.msix !== null && d.k.topology.platform !== 'arm';
}

export interface SetIrqs {
  flags: number;
  index: number;
  start: number;
  count: number;
  data: unknown[];
}

/** vfio_set_irqs_validate_and_prepare. */
export function validate(d: VfioPciCoreDevice, a: StructArg): Result<SetIrqs> {
  const { argsz, minsz } = a;
  const [flags, index, start, count] = (['flags', 'index', 'start', 'count'] as const).map((n) => u32(a.f, n)) as [number, number, number, number];
  const why = 'vfio_set_irqs_validate_and_prepare';
  if (argsz < minsz || index >= V.VFIO_PCI_NUM_IRQS) return fail('EINVAL', `${why}: argsz < minsz or index`);
  if (count >= 0xffff_ffff - start) return fail('EINVAL', `${why}: start + count overflows`);
  if (flags & ~(V.VFIO_IRQ_SET_DATA_TYPE_MASK | V.VFIO_IRQ_SET_ACTION_TYPE_MASK)) return fail('EINVAL', `${why}: unknown flags`);
  const max = irqCount(d, index);
  if (start >= max || start + count > max) return fail('EINVAL', `${why}: start/count beyond the ${max} vectors of index ${index}`);
  const type = flags & V.VFIO_IRQ_SET_DATA_TYPE_MASK;
  let size = 0;
  if (type === V.VFIO_IRQ_SET_DATA_BOOL) size = 1;
  else if (type === V.VFIO_IRQ_SET_DATA_EVENTFD) size = 4;
  else if (type !== V.VFIO_IRQ_SET_DATA_NONE) return fail('EINVAL', `${why}: data type is not exactly one of NONE, BOOL, EVENTFD`);
  let data: unknown[] = [];
  if (size > 0) {
    if (argsz - minsz < count * size) return fail('EINVAL', `${why}: argsz too small for ${count} elements`);
    const r = flexArray(a.obj, 'data', count);
    if (!r.ok) return r;
    data = r.value;
    for (const [i, v] of data.entries()) {
      if (type === V.VFIO_IRQ_SET_DATA_BOOL && typeof v !== 'boolean' && typeof v !== 'number') return failTypeAt(`arg.data[${i}]`, 'of type boolean', v);
      if (type === V.VFIO_IRQ_SET_DATA_EVENTFD && (typeof v !== 'number' || !Number.isInteger(v))) return failTypeAt(`arg.data[${i}]`, 'of type number', v);
    }
  }
  return ok({ flags, index, start, count, data });
}

function failTypeAt(name: string, expected: string, actual: unknown): Result<never> {
  return { ok: false, code: 'EINVAL', typeError: { name, expected, actual } };
}

/** Look an eventfd up: EBADF when the fd is not open, EINVAL when it is not an eventfd. */
export function eventfdOf(ctx: SyscallContext, fd: number): Result<EventFd> {
  const f = ctx.task.file(fd);
  if (f === undefined) return fail('EBADF', 'eventfd_ctx_fdget: fd not open');
  if (f.ops.kind !== 'eventfd') return fail('EINVAL', 'eventfd_ctx_fdget: not an eventfd');
  return ok(f.priv as EventFd);
}

export const dataType = (s: SetIrqs): number => s.flags & V.VFIO_IRQ_SET_DATA_TYPE_MASK;
export const boolAt = (s: SetIrqs, i: number): boolean => Boolean(s.data[i]);

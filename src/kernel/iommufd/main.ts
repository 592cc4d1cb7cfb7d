/**
 * /dev/iommu's file (drivers/iommu/iommufd/main.c): open creates a context, ioctl runs the
 * generic dispatch of iommufd_fops_ioctl(), release tears the objects down leaves-first.
 *
 * Dispatch order (spec §2.1): nr below 0x80 or past the table → the VFIO compat handler;
 * then the leading u32 `size` (NULL argument: EFAULT); a request whose full number differs
 * from the table's (direction or size bits) → ENOTTY; size < min_size → EINVAL;
 * copy_struct_from_user (E2BIG for non-zero trailing bytes); the handler.
 */
import { fail, ok, type Result } from '../../base/result.js';
import { IOMMUFD_CMD_BASE } from '../../uapi/iommufd.js';
import * as I from '../../uapi/iommufd.js';
import { offsetofend, type StructName } from '../../uapi/structs.js';
import { OpenFile, type FileOperations, type SyscallContext } from '../fs/file.js';
import type { Kernel } from '../kernel.js';
import type { Cmd } from './cmd.js';
import { compatIoctl, vfioIoas } from './compat.js';
import { IommufdCtx } from './context.js';
import { getDirtyBitmap, setDirtyTracking } from './dirty.js';
import { getHwInfo } from './hw-info.js';
import { hwptAlloc, hwptInvalidate } from './hwpt-ioctls.js';
import { ioasAlloc, ioasAllowIovas, ioasChangeProcess, ioasCopy, ioasIovaRanges, ioasMap, ioasMapFile, ioasUnmap } from './ioas-ioctls.js';
import { faultQueueAlloc } from './fault.js';
import { hwQueueAlloc, vdeviceAlloc, veventqAlloc, viommuAlloc } from './not-modelled.js';
import { ioasNoiommuGetPa } from './noiommu.js';
import { iommuOption } from './options.js';
import { leadingSize, readStruct, structReader, u32, userArg, type StructReader } from '../uaccess.js';

type Handler = (c: Cmd) => Result<number>;

/** iommufd_destroy(). */
function destroy(c: Cmd): Result<number> {
  const r = c.ctx.table.removeUser(u32(c.f, 'id'));
  return r.ok ? ok(0) : r;
}

/** One IOCTL_OP() row: request, handler, the struct and the last field of its mandatory part. */
export interface IommufdOp {
  readonly request: number;
  readonly struct: StructName;
  readonly last: string;
  /** offsetofend(struct, last): `size` below it is EINVAL. */
  readonly minsz: number;
  /** The struct's reader, worked out once with the table. */
  readonly reader: StructReader;
  readonly handler: Handler;
}

function op(request: number, handler: Handler, struct: StructName, last: string): IommufdOp {
  return { request, struct, last, minsz: offsetofend(struct, last), reader: structReader(struct), handler };
}

/** iommufd_ioctl_ops[], in command-number order. */
export const IOMMUFD_IOCTL_OPS: readonly IommufdOp[] = [
  op(I.IOMMU_DESTROY, destroy, 'iommu_destroy', 'id'),
  op(I.IOMMU_IOAS_ALLOC, ioasAlloc, 'iommu_ioas_alloc', 'out_ioas_id'),
  op(I.IOMMU_IOAS_ALLOW_IOVAS, ioasAllowIovas, 'iommu_ioas_allow_iovas', 'allowed_iovas'),
  op(I.IOMMU_IOAS_COPY, ioasCopy, 'iommu_ioas_copy', 'src_iova'),
  op(I.IOMMU_IOAS_IOVA_RANGES, ioasIovaRanges, 'iommu_ioas_iova_ranges', 'out_iova_alignment'),
  op(I.IOMMU_IOAS_MAP, ioasMap, 'iommu_ioas_map', 'iova'),
  op(I.IOMMU_IOAS_UNMAP, ioasUnmap, 'iommu_ioas_unmap', 'length'),
  op(I.IOMMU_OPTION, iommuOption, 'iommu_option', 'val64'),
  op(I.IOMMU_VFIO_IOAS, vfioIoas, 'iommu_vfio_ioas', '__reserved'),
  op(I.IOMMU_HWPT_ALLOC, hwptAlloc, 'iommu_hwpt_alloc', '__reserved'),
  op(I.IOMMU_GET_HW_INFO, getHwInfo, 'iommu_hw_info', '__reserved'),
  op(I.IOMMU_HWPT_SET_DIRTY_TRACKING, setDirtyTracking, 'iommu_hwpt_set_dirty_tracking', '__reserved'),
  op(I.IOMMU_HWPT_GET_DIRTY_BITMAP, getDirtyBitmap, 'iommu_hwpt_get_dirty_bitmap', 'data'),
  op(I.IOMMU_HWPT_INVALIDATE, hwptInvalidate, 'iommu_hwpt_invalidate', '__reserved'),
  op(I.IOMMU_FAULT_QUEUE_ALLOC, faultQueueAlloc, 'iommu_fault_alloc', 'out_fault_fd'),
  op(I.IOMMU_IOAS_MAP_FILE, ioasMapFile, 'iommu_ioas_map_file', 'iova'),
  op(I.IOMMU_VIOMMU_ALLOC, viommuAlloc, 'iommu_viommu_alloc', 'out_viommu_id'),
  op(I.IOMMU_VDEVICE_ALLOC, vdeviceAlloc, 'iommu_vdevice_alloc', 'virt_id'),
  op(I.IOMMU_IOAS_CHANGE_PROCESS, ioasChangeProcess, 'iommu_ioas_change_process', '__reserved'),
  op(I.IOMMU_VEVENTQ_ALLOC, veventqAlloc, 'iommu_veventq_alloc', 'out_veventq_fd'),
  op(I.IOMMU_HW_QUEUE_ALLOC, hwQueueAlloc, 'iommu_hw_queue_alloc', 'length'),
  op(I.IOMMU_IOAS_NOIOMMU_GET_PA, ioasNoiommuGetPa, 'iommu_ioas_noiommu_get_pa', 'out_phys'),
];

/** iommufd_fops_ioctl(). */
export function iommufdDispatch(ctx: IommufdCtx, request: number, arg: unknown, sc: SyscallContext): Result<number> {
  const nr = request & 0xff;
  if (nr < IOMMUFD_CMD_BASE || nr - IOMMUFD_CMD_BASE >= IOMMUFD_IOCTL_OPS.length) return compatIoctl(ctx, request, arg, sc);
  const o = userArg(arg);
  if (!o.ok) return o;
  const size = leadingSize(o.value, 'size');
  if (!size.ok) return size;
  const op = IOMMUFD_IOCTL_OPS[nr - IOMMUFD_CMD_BASE];
  if (op === undefined || op.request !== request) return fail('ENOTTY', 'iommufd_fops_ioctl: request number does not match the table');
  if (size.value < op.minsz) return fail('EINVAL', `iommufd_fops_ioctl: size ${size.value} < ${op.minsz}`);
  const f = readStruct(op.reader, o.value, size.value);
  if (!f.ok) return f;
  return op.handler({ ctx, task: sc.task, obj: o.value, size: size.value, f: f.value, struct: op.struct });
}

/** The iommufd file operations (iommufd_fops). */
const iommufdFops: FileOperations<IommufdCtx> = {
  kind: 'iommufd',
  ioctl: (file, request, arg, sc) => iommufdDispatch(file.priv, request, arg, sc),
  release: (file) => {
    const r = file.priv.table.destroyAll();
    if (!r.ok) file.priv.k.trace.add('kernel', 'iommufd', `WARN: ${r.why ?? 'objects left at release'}`);
  },
};

/** iommufd_fops_open(): a fresh context; 'mm' accounting when opened as /dev/vfio/vfio. */
export function openIommufd(k: Kernel, flags: number, path: string, mode: 'user' | 'mm' = 'user'): OpenFile<IommufdCtx> {
  const ctx = new IommufdCtx(k, mode);
  const file = new OpenFile<IommufdCtx>(iommufdFops, ctx, flags, path);
  ctx.file = file;
  return file;
}

/** iommufd_ctx_from_file(): the context behind an open file, or null for any other file. */
export function iommufdCtxOfFile(file: OpenFile): IommufdCtx | null {
  return file.ops === (iommufdFops as FileOperations) ? (file.priv as IommufdCtx) : null;
}

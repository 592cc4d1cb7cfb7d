/**
 * iommufd's emulation of the legacy VFIO container (drivers/iommu/iommufd/vfio_compat.c):
 * IOMMU_VFIO_IOAS, the container requests any iommufd fd answers (nr below 0x80), and the
 * compat IOAS a legacy group attached to an iommufd uses.
 *
 * Differences from vfio_iommu_type1 (docs/iommufd.md lists them): ENODEV until a compat
 * IOAS exists; SET_IOMMU may be repeated and accepts only TYPE1/TYPE1v2; MAP_DMA with no
 * permission is accepted; a v2 unmap that bisects a mapping is ENOENT (type1: EINVAL); in
 * v1 mode areas are cut exactly; DMA_AVAIL is U32_MAX; no dirty tracking (ENOTTY).
 */
import { fail, ok, okVoid, type Result } from '../../base/result.js';
import { U64_MAX } from '../../base/u64.js';
import { IOMMU_VFIO_IOAS_CLEAR, IOMMU_VFIO_IOAS_GET, IOMMU_VFIO_IOAS_SET } from '../../uapi/iommufd.js';
import { sizeofStruct } from '../../uapi/structs.js';
import * as V from '../../uapi/vfio.js';
import type { SyscallContext } from '../fs/file.js';
import { reply, reservedSet, type Cmd } from './cmd.js';
import type { IommufdCtx } from './context.js';
import { Ioas } from './ioas.js';
import { mapUser } from './ioas-ioctls.js';
import { dispatch, rawOp, structOp, type IoctlOp, type StructArg } from '../ioctl-table.js';
import { byValue, respond, u32, u64 } from '../uaccess.js';

const U32_MAX = 0xffffffff;
const align8 = (n: number): number => (n + 7) & ~7;

/** get_compat_ioas(): ENODEV without one. */
function compatIoas(ctx: IommufdCtx): Result<Ioas> {
  return ctx.vfioIoas === null ? fail('ENODEV', 'get_compat_ioas: no compat IOAS (no group attached, none set)') : ok(ctx.vfioIoas);
}

/** iommufd_vfio_compat_ioas_create(): make (or keep) the compat IOAS. */
export function compatIoasCreate(ctx: IommufdCtx): Result<Ioas> {
  if (ctx.vfioIoas !== null) return ok(ctx.vfioIoas);
  const ioas = new Ioas(ctx, ctx.k.iommu);
  const r = ctx.table.insert(ioas);
  if (!r.ok) return r;
  ctx.vfioIoas = ioas;
  return ok(ioas);
}

/**
 * iommufd_vfio_compat_set_no_iommu(): a no-IOMMU group was given this iommufd as its
 * container. EINVAL once a compat IOAS exists; else the context enters no-IOMMU mode, which
 * offers VFIO_NOIOMMU_IOMMU and refuses the type1 types.
 */
export function compatSetNoIommu(ctx: IommufdCtx): Result<void> {
  if (ctx.vfioIoas !== null) return fail('EINVAL', 'iommufd_vfio_compat_set_no_iommu: a compat IOAS already exists');
  ctx.noIommuMode = true;
  return okVoid();
}

/** IOMMU_VFIO_IOAS (iommufd_vfio_ioas()). */
export function vfioIoas(c: Cmd): Result<number> {
  if (reservedSet(c.f.__reserved)) return fail('EOPNOTSUPP', 'iommufd_vfio_ioas: __reserved');
  switch (u32(c.f, 'op')) {
    case IOMMU_VFIO_IOAS_GET: {
      const io = compatIoas(c.ctx);
      if (!io.ok) return io;
      reply(c, { ioas_id: io.value.id });
      return ok(0);
    }
    case IOMMU_VFIO_IOAS_SET: {
      const io = c.ctx.table.get<Ioas>(u32(c.f, 'ioas_id'), 'ioas', 'iommufd_vfio_ioas');
      if (!io.ok) return io;
      c.ctx.vfioIoas = io.value;
      return ok(0);
    }
    case IOMMU_VFIO_IOAS_CLEAR:
      c.ctx.vfioIoas = null;
      return ok(0);
    default:
      return fail('EOPNOTSUPP', 'iommufd_vfio_ioas: unknown op');
  }
}

/** iommufd_vfio_check_extension(). */
function checkExtension(ctx: IommufdCtx, arg: unknown): Result<number> {
  const t = byValue(arg);
  if (!t.ok) return t;
  switch (t.value) {
    case V.VFIO_TYPE1_IOMMU:
    case V.VFIO_TYPE1v2_IOMMU:
    case V.VFIO_UNMAP_ALL:
      return ok(ctx.noIommuMode ? 0 : 1);
    case V.VFIO_NOIOMMU_IOMMU:
      return ok(1);
    case V.VFIO_DMA_CC_IOMMU: {
      const io = compatIoas(ctx);
      return io.ok ? ok(1) : io;
    }
    default:
      return ok(0);
  }
}

/**
 * iommufd_vfio_set_iommu(): in no-IOMMU mode VFIO_NOIOMMU_IOMMU succeeds (EPERM without
 * CAP_SYS_RAWIO) and nothing else does; otherwise TYPE1 switches the compat IOAS to
 * PAGE_SIZE-granular mode.
 */
function setIommu(ctx: IommufdCtx, arg: unknown, sc: SyscallContext): Result<number> {
  const t = byValue(arg);
  if (!t.ok) return t;
  if (t.value === V.VFIO_NOIOMMU_IOMMU && ctx.noIommuMode) {
    return sc.task.capable('CAP_SYS_RAWIO') ? ok(0) : fail('EPERM', 'iommufd_vfio_set_iommu: VFIO_NOIOMMU_IOMMU needs CAP_SYS_RAWIO');
  }
  if ((t.value !== V.VFIO_TYPE1_IOMMU && t.value !== V.VFIO_TYPE1v2_IOMMU) || ctx.noIommuMode) return fail('EINVAL', 'iommufd_vfio_set_iommu: only TYPE1 and TYPE1v2, and not in no-IOMMU mode');
  const io = compatIoas(ctx);
  if (!io.ok) return io;
  if (t.value === V.VFIO_TYPE1_IOMMU) {
    const r = io.value.iopt.setLargePages(false);
    if (!r.ok) return r;
  }
  return ok(0);
}

/** iommufd_vfio_map_dma(): a FIXED map of the compat IOAS; flags 0 is accepted. */
function mapDma(ctx: IommufdCtx, a: StructArg, sc: SyscallContext): Result<number> {
  const flags = u32(a.f, 'flags');
  if (a.argsz < a.minsz || (flags & ~(V.VFIO_DMA_MAP_FLAG_READ | V.VFIO_DMA_MAP_FLAG_WRITE)) !== 0) {
    return fail('EINVAL', 'iommufd_vfio_map_dma: argsz or flags');
  }
  const io = compatIoas(ctx);
  if (!io.ok) return io;
  const c: Cmd = { ctx, task: sc.task, obj: a.obj, size: 0, f: a.f, struct: a.struct };
  const r = mapUser(c, io.value, u64(a.f, 'vaddr'), u64(a.f, 'size'), u64(a.f, 'iova'), (flags & V.VFIO_DMA_MAP_FLAG_READ) !== 0, (flags & V.VFIO_DMA_MAP_FLAG_WRITE) !== 0);
  return r.ok ? ok(0) : r;
}

/**
 * iommufd_vfio_unmap_dma(): FLAG_ALL, or (after exact cuts in v1 mode) whole areas of the
 * range. `size` is written back with the bytes unmapped after the attempt — also when the
 * unmap itself failed part-way; early checks and cut failures write nothing.
 */
function unmapDma(ctx: IommufdCtx, a: StructArg): Result<number> {
  const flags = u32(a.f, 'flags');
  if (a.argsz < a.minsz || (flags & ~V.VFIO_DMA_UNMAP_FLAG_ALL) !== 0) {
    return fail('EINVAL', 'iommufd_vfio_unmap_dma: argsz or flags');
  }
  const io = compatIoas(ctx);
  if (!io.ok) return io;
  const iopt = io.value.iopt;
  const iova = u64(a.f, 'iova');
  const size = u64(a.f, 'size');
  let res: Result<void> = okVoid();
  let unmapped = 0n;
  if (flags & V.VFIO_DMA_UNMAP_FLAG_ALL) {
    if (iova !== 0n || size !== 0n) return fail('EINVAL', 'iommufd_vfio_unmap_dma: FLAG_ALL needs iova = size = 0');
    unmapped = iopt.unmapRange(0n, U64_MAX).unmapped;
  } else {
    if (iopt.disableLargePages) {
      if (iova + size <= U64_MAX) {
        const c1 = iopt.cut(iova + size);
        if (!c1.ok) return c1;
      }
      if (iova !== 0n) {
        const c2 = iopt.cut(iova);
        if (!c2.ok) return c2;
      }
    }
    if (size === 0n) res = fail('EINVAL', 'iopt_unmap_iova: zero length');
    else if (iova + size - 1n > U64_MAX) res = fail('EOVERFLOW', 'iopt_unmap_iova: iova + size overflows');
    else {
      const r = iopt.unmapRange(iova, iova + size - 1n);
      unmapped = r.unmapped;
      if (r.code !== null) res = fail(r.code, 'iopt_unmap_iova_range: a mapping is only partly inside the range');
    }
  }
  a.obj.size = unmapped;
  return res.ok ? ok(0) : res;
}

/** iommufd_get_pagesizes(): AND of the domains' page sizes, sub-page sizes folded to PAGE_SIZE. */
function pagesizes(io: Ioas): bigint {
  let bm = U64_MAX;
  for (const d of io.iopt.domains) bm &= d.domain.pgsizeBitmap;
  if ((bm & 0xfffn) !== 0n) bm = (bm & ~0xfffn & U64_MAX) | 0x1000n;
  return bm > io.iopt.iovaAlignment ? bm : io.iopt.iovaAlignment;
}

/**
 * iommufd_vfio_iommu_get_info(): header, then DMA_AVAIL and IOVA_RANGE, each padded to 8
 * bytes; a capability is written when its unpadded struct fits in argsz (so DMA_AVAIL's 12
 * bytes are enough, iommufd_fill_cap_dma_avail); cap_offset is 24 only when all fit.
 */
function getInfo(ctx: IommufdCtx, a: StructArg): Result<number> {
  const argsz = a.argsz;
  if (argsz < a.minsz) return fail('EINVAL', `iommufd_vfio_iommu_get_info: argsz < ${a.minsz}`);
  const io = compatIoas(ctx);
  if (!io.ok) return io;
  const ranges = io.value.iopt.iovaRanges().map((r) => ({ start: r.start, end: r.last }));
  // `bytes` is what the fill function checks against the room left (its unpadded sizeof);
  // the chain advances by the 8-byte aligned size
  const capList: Array<{ bytes: number; cap: Record<string, unknown> }> = [
    { bytes: sizeofStruct('vfio_iommu_type1_info_dma_avail'), cap: { id: V.VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, version: 1, next: 0, avail: U32_MAX } },
    {
      bytes: sizeofStruct('vfio_iommu_type1_info_cap_iova_range') + sizeofStruct('vfio_iova_range') * ranges.length,
      cap: { id: V.VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, version: 1, next: 0, nr_iovas: ranges.length, reserved: 0, iova_ranges: ranges },
    },
  ];
  const hdr = sizeofStruct('vfio_iommu_type1_info');
  let total = hdr;
  const written: Array<Record<string, unknown>> = [];
  for (const c of capList) {
    if (written.length > 0 && argsz >= total) written[written.length - 1]!.next = total;
    if (argsz >= total + c.bytes) written.push(c.cap);
    total += align8(c.bytes);
  }
  if (written.length > 0) a.obj.caps = written;
  respond(a.obj, 'vfio_iommu_type1_info', Math.min(argsz, hdr), {
    argsz: total,
    flags: V.VFIO_IOMMU_INFO_PGSIZES | V.VFIO_IOMMU_INFO_CAPS,
    iova_pgsizes: pagesizes(io.value),
    cap_offset: argsz >= total ? hdr : 0,
  });
  return ok(0);
}

/** iommufd_vfio_ioctl()'s requests, as a table. */
export const COMPAT_IOCTLS: readonly IoctlOp<IommufdCtx>[] = [
  rawOp(V.VFIO_GET_API_VERSION, () => ok(V.VFIO_API_VERSION)),
  rawOp(V.VFIO_CHECK_EXTENSION, (ctx, arg) => checkExtension(ctx, arg)),
  rawOp(V.VFIO_SET_IOMMU, (ctx, arg, sc) => setIommu(ctx, arg, sc)),
  structOp(V.VFIO_IOMMU_GET_INFO, 'vfio_iommu_type1_info', 'iova_pgsizes', getInfo),
  structOp(V.VFIO_IOMMU_MAP_DMA, 'vfio_iommu_type1_dma_map', 'size', mapDma),
  structOp(V.VFIO_IOMMU_UNMAP_DMA, 'vfio_iommu_type1_dma_unmap', 'size', unmapDma),
];

/** iommufd_vfio_ioctl(): every request outside iommufd's own table. */
export function compatIoctl(ctx: IommufdCtx, request: number, arg: unknown, sc: SyscallContext): Result<number> {
  return dispatch(COMPAT_IOCTLS, ctx, request, arg, sc, 'iommufd_vfio_ioctl');
}

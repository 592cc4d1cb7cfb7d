/**
 * The IOAS commands (ioas.c): ALLOC, IOVA_RANGES, ALLOW_IOVAS, MAP, MAP_FILE, COPY, UNMAP,
 * CHANGE_PROCESS. Checks run in the kernel's order; each names the function it mirrors.
 */
import { fail, failType, ok, type Result } from '../../base/result.js';
import { PAGE_SIZE_N, U64_MAX } from '../../base/u64.js';
import { IOMMU_IOAS_MAP_FIXED_IOVA, IOMMU_IOAS_MAP_READABLE, IOMMU_IOAS_MAP_WRITEABLE } from '../../uapi/iommufd.js';
import { reply, reservedSet, type Cmd } from './cmd.js';
import { Ioas } from './ioas.js';
import type { IovaRange } from './iova-ranges.js';
import { accountModeFor, IoptPages } from './pages.js';
import { memfdObject } from '../fs/memfd.js';
import { canWrite } from '../sys/files.js';
import { u32, u64 } from '../uaccess.js';

const MAP_FLAGS = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
const PERMS = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;

function getIoas(c: Cmd, id: number, why: string): Result<Ioas> {
  return c.ctx.table.get<Ioas>(id, 'ioas', why);
}

/** iommufd_ioas_alloc_ioctl(). */
export function ioasAlloc(c: Cmd): Result<number> {
  if (u32(c.f, 'flags') !== 0) return fail('EOPNOTSUPP', 'iommufd_ioas_alloc_ioctl: flags must be 0');
  const ioas = new Ioas(c.ctx, c.ctx.k.iommu);
  const r = c.ctx.table.insert(ioas);
  if (!r.ok) return r;
  reply(c, { out_ioas_id: r.value });
  return ok(0);
}

/**
 * iommufd_ioas_iova_ranges(): the holes of the reserved set. `num_iovas` and the first
 * entries are written before the EMSGSIZE check, as the kernel responds first.
 */
export function ioasIovaRanges(c: Cmd): Result<number> {
  if (reservedSet(c.f.__reserved)) return fail('EOPNOTSUPP', 'iommufd_ioas_iova_ranges: __reserved');
  const io = getIoas(c, u32(c.f, 'ioas_id'), 'iommufd_ioas_iova_ranges');
  if (!io.ok) return io;
  const ranges = io.value.iopt.iovaRanges();
  const max = u32(c.f, 'num_iovas');
  const n = Math.min(max, ranges.length);
  const raw = c.obj.allowed_iovas;
  if (n > 0) {
    if (raw === undefined || raw === null || raw === 0n) return fail('EFAULT', 'iommufd_ioas_iova_ranges: allowed_iovas is NULL');
    if (!Array.isArray(raw)) return failType('arg.allowed_iovas', 'an array of { start, last }', raw);
    const out: unknown[] = [...raw];
    for (let i = 0; i < n; i++) out[i] = { start: ranges[i]!.start, last: ranges[i]!.last };
    c.obj.allowed_iovas = out;
  }
  reply(c, { num_iovas: ranges.length, out_iova_alignment: io.value.iopt.iovaAlignment });
  if (ranges.length > max) return fail('EMSGSIZE', `iommufd_ioas_iova_ranges: ${ranges.length} ranges, room for ${max}`);
  return ok(0);
}

/** iommufd_ioas_load_iovas(): read `num` ranges from the user array (EFAULT, EINVAL). */
function loadIovas(c: Cmd, num: number): Result<IovaRange[]> {
  const raw = c.obj.allowed_iovas;
  if (num === 0) return ok([]);
  if (raw === undefined || raw === null || raw === 0n) return fail('EFAULT', 'iommufd_ioas_load_iovas: allowed_iovas is NULL');
  if (!Array.isArray(raw)) return failType('arg.allowed_iovas', 'an array of { start, last }', raw);
  const out: IovaRange[] = [];
  for (let i = 0; i < num; i++) {
    if (i >= raw.length) return fail('EFAULT', 'iommufd_ioas_load_iovas: array shorter than num_iovas');
    const e = raw[i] as { start?: unknown; last?: unknown } | null;
    if (typeof e !== 'object' || e === null) return failType(`arg.allowed_iovas[${i}]`, 'an object { start, last }', e);
    if (typeof e.start !== 'bigint') return failType(`arg.allowed_iovas[${i}].start`, 'of type bigint', e.start);
    if (typeof e.last !== 'bigint') return failType(`arg.allowed_iovas[${i}].last`, 'of type bigint', e.last);
    const start = BigInt.asUintN(64, e.start);
    const last = BigInt.asUintN(64, e.last);
    if (start >= last) return fail('EINVAL', `iommufd_ioas_load_iovas: range ${i} has start >= last`);
    if (out.some((r) => r.start <= last && start <= r.last)) return fail('EINVAL', `iommufd_ioas_load_iovas: range ${i} overlaps an earlier one`);
    out.push({ start, last });
  }
  return ok(out);
}

/** iommufd_ioas_allow_iovas(): replace the allow-list atomically. */
export function ioasAllowIovas(c: Cmd): Result<number> {
  if (reservedSet(c.f.__reserved)) return fail('EOPNOTSUPP', 'iommufd_ioas_allow_iovas: __reserved');
  const io = getIoas(c, u32(c.f, 'ioas_id'), 'iommufd_ioas_allow_iovas');
  if (!io.ok) return io;
  const l = loadIovas(c, u32(c.f, 'num_iovas'));
  if (!l.ok) return l;
  const r = io.value.iopt.setAllowed(l.value);
  return r.ok ? ok(0) : r;
}

/** The part of iopt_map_user_pages() that validates the source before placing it. */
export function mapUser(c: Cmd, ioas: Ioas, uva: bigint, length: bigint, fixed: bigint | null, read: boolean, write: boolean): Result<bigint> {
  if (uva + length > U64_MAX) return fail('EOVERFLOW', 'iopt_map_user_pages: user_va + length overflows');
  if (length === 0n || length > U64_MAX - PAGE_SIZE_N) return fail('EINVAL', 'iopt_alloc_user_pages: bad length');
  const pages = new IoptPages(c.task, uva, length, write, accountModeFor(c.task, c.ctx.accountMode));
  return ioas.iopt.mapPieces([{ pages, off: 0n, length }], length, fixed, uva, read, write);
}

/** iommufd_ioas_map(). */
export function ioasMap(c: Cmd): Result<number> {
  const flags = u32(c.f, 'flags');
  if ((flags & ~MAP_FLAGS) !== 0 || reservedSet(c.f.__reserved)) return fail('EOPNOTSUPP', 'iommufd_ioas_map: unknown flags or __reserved');
  const iova = u64(c.f, 'iova');
  const length = u64(c.f, 'length');
  if (iova >= U64_MAX || length >= U64_MAX) return fail('EOVERFLOW', 'iommufd_ioas_map: iova or length >= ULONG_MAX');
  if ((flags & PERMS) === 0) return fail('EINVAL', 'iommufd_ioas_map: neither READABLE nor WRITEABLE');
  const io = getIoas(c, u32(c.f, 'ioas_id'), 'iommufd_ioas_map');
  if (!io.ok) return io;
  const fixed = flags & IOMMU_IOAS_MAP_FIXED_IOVA ? iova : null;
  const r = mapUser(c, io.value, u64(c.f, 'user_va'), length, fixed, (flags & IOMMU_IOAS_MAP_READABLE) !== 0, (flags & IOMMU_IOAS_MAP_WRITEABLE) !== 0);
  if (!r.ok) return r;
  reply(c, { iova: r.value });
  return ok(0);
}

/**
 * iommufd_ioas_map_file() → iopt_map_file_pages(): the source is a file range, pinned with
 * memfd_pin_folios() when a domain needs it — a memfd (or hugetlbfs memfd) works, any other
 * file fails there with EINVAL (at MAP_FILE when a domain is attached, else at attach).
 * Not modelled: dma-buf sources, and the file reference iopt_pages keeps (closing every fd
 * and mapping of the memfd frees its unpinned pages).
 */
export function ioasMapFile(c: Cmd): Result<number> {
  const flags = u32(c.f, 'flags');
  if ((flags & ~MAP_FLAGS) !== 0) return fail('EOPNOTSUPP', 'iommufd_ioas_map_file: unknown flags');
  if (u64(c.f, 'iova') >= U64_MAX || u64(c.f, 'length') >= U64_MAX) return fail('EOVERFLOW', 'iommufd_ioas_map_file: iova or length >= ULONG_MAX');
  if ((flags & PERMS) === 0) return fail('EINVAL', 'iommufd_ioas_map_file: neither READABLE nor WRITEABLE');
  const io = getIoas(c, u32(c.f, 'ioas_id'), 'iommufd_ioas_map_file');
  if (!io.ok) return io;
  const start = u64(c.f, 'start');
  const length = u64(c.f, 'length');
  if (length === 0n) return fail('EINVAL', 'iopt_map_file_pages: zero length');
  if (start + length - 1n > U64_MAX) return fail('EOVERFLOW', 'iopt_map_file_pages: start + length overflows');
  const fd = c.f.fd as number;
  const file = fd < 0 ? undefined : c.task.file(fd);
  if (file === undefined) return fail('EBADF', 'iopt_map_file_pages: fd is not open');
  const write = (flags & IOMMU_IOAS_MAP_WRITEABLE) !== 0;
  if (write && !canWrite(file.flags)) return fail('EPERM', 'iopt_alloc_file_pages: writeable mapping of a file not open for writing');
  const pages = new IoptPages(c.task, start, length, write, accountModeFor(c.task, c.ctx.accountMode), memfdObject(file));
  const fixed = flags & IOMMU_IOAS_MAP_FIXED_IOVA ? u64(c.f, 'iova') : null;
  const r = io.value.iopt.mapPieces([{ pages, off: 0n, length }], length, fixed, start, (flags & IOMMU_IOAS_MAP_READABLE) !== 0, write);
  if (!r.ok) return r;
  reply(c, { iova: r.value });
  return ok(0);
}

/** iommufd_ioas_copy(): share the source's backing; only pages of the new areas not already pinned are pinned and charged. */
export function ioasCopy(c: Cmd): Result<number> {
  const flags = u32(c.f, 'flags');
  if ((flags & ~MAP_FLAGS) !== 0) return fail('EOPNOTSUPP', 'iommufd_ioas_copy: unknown flags');
  const length = u64(c.f, 'length');
  const src = u64(c.f, 'src_iova');
  const dst = u64(c.f, 'dst_iova');
  if (length >= U64_MAX || src >= U64_MAX || dst >= U64_MAX) return fail('EOVERFLOW', 'iommufd_ioas_copy: value >= ULONG_MAX');
  if ((flags & PERMS) === 0) return fail('EINVAL', 'iommufd_ioas_copy: neither READABLE nor WRITEABLE');
  const s = getIoas(c, u32(c.f, 'src_ioas_id'), 'iommufd_ioas_copy');
  if (!s.ok) return s;
  const pieces = s.value.iopt.getPieces(src, length);
  if (!pieces.ok) return pieces;
  const d = getIoas(c, u32(c.f, 'dst_ioas_id'), 'iommufd_ioas_copy');
  if (!d.ok) return d;
  const first = pieces.value[0]!;
  const fixed = flags & IOMMU_IOAS_MAP_FIXED_IOVA ? dst : null;
  const r = d.value.iopt.mapPieces(pieces.value, length, fixed, first.pages.uva + first.off, (flags & IOMMU_IOAS_MAP_READABLE) !== 0, (flags & IOMMU_IOAS_MAP_WRITEABLE) !== 0);
  if (!r.ok) return r;
  reply(c, { dst_iova: r.value });
  return ok(0);
}

/**
 * iommufd_ioas_unmap(): (0, U64_MAX) unmaps everything; otherwise whole areas only, and
 * nothing unmapped is ENOENT. Areas removed before a failure stay removed.
 */
export function ioasUnmap(c: Cmd): Result<number> {
  const io = getIoas(c, u32(c.f, 'ioas_id'), 'iommufd_ioas_unmap');
  if (!io.ok) return io;
  const iova = u64(c.f, 'iova');
  const length = u64(c.f, 'length');
  let unmapped: bigint;
  if (iova === 0n && length === U64_MAX) {
    unmapped = io.value.iopt.unmapRange(0n, U64_MAX).unmapped;
  } else {
    if (iova >= U64_MAX || length >= U64_MAX) return fail('EOVERFLOW', 'iommufd_ioas_unmap: iova or length >= ULONG_MAX');
    if (length === 0n) return fail('EINVAL', 'iopt_unmap_iova: zero length');
    if (iova + length - 1n > U64_MAX) return fail('EOVERFLOW', 'iopt_unmap_iova: iova + length overflows');
    const r = io.value.iopt.unmapRange(iova, iova + length - 1n);
    if (r.code !== null) return fail(r.code, 'iopt_unmap_iova_range: an area is only partly inside the range');
    if (r.unmapped === 0n) return fail('ENOENT', 'iommufd_ioas_unmap: nothing mapped in the range');
    unmapped = r.unmapped;
  }
  reply(c, { length: unmapped });
  return ok(0);
}

/**
 * iommufd_ioas_change_process(): only file-backed areas can move; vfio-sim has none, so any
 * area anywhere is EINVAL and an empty context succeeds with nothing to move.
 */
export function ioasChangeProcess(c: Cmd): Result<number> {
  if (reservedSet(c.f.__reserved)) return fail('EOPNOTSUPP', 'iommufd_ioas_change_process: __reserved');
  for (const o of c.ctx.table.list()) {
    if (o instanceof Ioas && o.iopt.areas.size > 0) return fail('EINVAL', 'iommufd_ioas_change_process: a mapping is not file-backed');
  }
  return ok(0);
}

/**
 * IOMMU_OPTION (main.c iommufd_option, ioas.c iommufd_ioas_option): the context-wide
 * RLIMIT_MODE and the per-IOAS HUGE_PAGES switch. On success only `val64` is written back.
 */
import { fail, ok, type Result } from '../../base/result.js';
import { IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET, IOMMU_OPTION_OP_SET, IOMMU_OPTION_RLIMIT_MODE } from '../../uapi/iommufd.js';
import { reservedSet, type Cmd } from './cmd.js';
import type { Ioas } from './ioas.js';
import { u32, u64 } from '../uaccess.js';

/** iommufd_option_rlimit_mode(): GET anyone; SET needs CAP_SYS_RESOURCE and an empty context. */
function rlimitMode(c: Cmd): Result<bigint> {
  if (u32(c.f, 'object_id') !== 0) return fail('EOPNOTSUPP', 'iommufd_option_rlimit_mode: object_id must be 0');
  const op = u32(c.f, 'op');
  if (op === IOMMU_OPTION_OP_GET) return ok(c.ctx.accountMode === 'mm' ? 1n : 0n);
  if (op !== IOMMU_OPTION_OP_SET) return fail('EOPNOTSUPP', 'iommufd_option_rlimit_mode: unknown op');
  if (!c.task.capable('CAP_SYS_RESOURCE')) return fail('EPERM', 'iommufd_option_rlimit_mode: needs CAP_SYS_RESOURCE');
  if (c.ctx.table.size > 0) return fail('EBUSY', 'iommufd_option_rlimit_mode: the context already has objects');
  const v = u64(c.f, 'val64');
  if (v === 0n) c.ctx.accountMode = 'user';
  else if (v === 1n) c.ctx.accountMode = 'mm';
  else return fail('EINVAL', 'iommufd_option_rlimit_mode: val64 must be 0 or 1');
  return ok(v);
}

/** iommufd_ioas_option(): HUGE_PAGES GET/SET on one IOAS. */
function hugePages(c: Cmd): Result<bigint> {
  const io = c.ctx.table.get<Ioas>(u32(c.f, 'object_id'), 'ioas', 'iommufd_ioas_option');
  if (!io.ok) return io;
  const iopt = io.value.iopt;
  const op = u32(c.f, 'op');
  if (op === IOMMU_OPTION_OP_GET) return ok(iopt.disableLargePages ? 0n : 1n);
  if (op !== IOMMU_OPTION_OP_SET) return fail('EOPNOTSUPP', 'iommufd_ioas_option: unknown op');
  const v = u64(c.f, 'val64');
  if (v !== 0n && v !== 1n) return fail('EINVAL', 'iommufd_ioas_option: val64 must be 0 or 1');
  const r = iopt.setLargePages(v === 1n);
  return r.ok ? ok(v) : r;
}

export function iommuOption(c: Cmd): Result<number> {
  if (reservedSet(c.f.__reserved)) return fail('EOPNOTSUPP', 'iommufd_option: __reserved');
  const id = u32(c.f, 'option_id');
  const r = id === IOMMU_OPTION_RLIMIT_MODE ? rlimitMode(c) : id === IOMMU_OPTION_HUGE_PAGES ? hugePages(c) : fail('EOPNOTSUPP', 'iommufd_option: unknown option_id');
  if (!r.ok) return r;
  c.obj.val64 = r.value;
  return ok(0);
}

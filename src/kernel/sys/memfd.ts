/**
 * memfd_create(2) (mm/memfd.c) and ftruncate(2) (fs/open.c): see fs/memfd.ts for the file.
 */
import { fail, ok, type Result } from '../../base/result.js';
import { MFD_ALLOW_SEALING, MFD_CLOEXEC, MFD_EXEC, MFD_HUGE_MASK, MFD_HUGE_SHIFT, MFD_HUGETLB, MFD_NOEXEC_SEAL } from '../../uapi/posix.js';
import { MFD_NAME_MAX_LEN, openMemfd } from '../fs/memfd.js';
import { hugetlbPages } from '../mm/mm-constants.js';
import type { Task } from '../task.js';
import { canWrite } from './files.js';

const MFD_ALL_FLAGS = MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL | MFD_EXEC;

/** memfd_create(2): the new fd. */
export function sysMemfdCreate(t: Task, name: string, flags: number): Result<number> {
  const allowed = flags & MFD_HUGETLB ? MFD_ALL_FLAGS | (MFD_HUGE_MASK << MFD_HUGE_SHIFT) : MFD_ALL_FLAGS;
  if ((flags >>> 0) & ~(allowed >>> 0)) return fail('EINVAL', 'memfd_create: unknown flags');
  if (flags & MFD_EXEC && flags & MFD_NOEXEC_SEAL) return fail('EINVAL', 'memfd_create: MFD_EXEC with MFD_NOEXEC_SEAL');
  if (new TextEncoder().encode(name).length > MFD_NAME_MAX_LEN) return fail('EINVAL', 'memfd_create: name longer than MFD_NAME_MAX_LEN');
  if (t.openFds().length >= t.rlimitNofile) return fail('EMFILE', 'get_unused_fd_flags: RLIMIT_NOFILE');
  const huge = flags & MFD_HUGETLB ? hugetlbPages(flags) : 1;
  if (huge === null) return fail('ENODEV', 'hugetlb_file_setup: no hstate of that size');
  const obj = t.mm.newShmem(0n, huge, `/memfd:${name} (deleted)`);
  const file = openMemfd(obj, name);
  const fd = t.installFd(file, (flags & MFD_CLOEXEC) !== 0);
  if (fd === null) {
    file.put();
    return fail('EMFILE');
  }
  return ok(fd);
}

/** ftruncate(2) (do_sys_ftruncate, do_ftruncate): EINVAL for a negative length, a file not open for writing or not a regular file. */
export function sysFtruncate(t: Task, fd: number, length: bigint): Result<void> {
  if (length < 0n) return fail('EINVAL', 'do_sys_ftruncate: negative length');
  const f = t.file(fd);
  if (f === undefined) return fail('EBADF');
  if (!f.ops.truncate) return fail('EINVAL', 'do_ftruncate: not a regular file');
  if (!canWrite(f.flags)) return fail('EINVAL', 'do_ftruncate: file not open for writing');
  return f.ops.truncate(f, length, { task: t });
}

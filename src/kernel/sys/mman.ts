/**
 * mmap(2) and munmap(2) (mm/mmap.c do_mmap, ksys_mmap_pgoff): the checks that decide the
 * errno, in Linux's order, then the address space does the work. Anonymous mappings ignore
 * the fd; file mappings ask the file's driver for a DeviceMapping.
 */
import { fail, type Result } from '../../base/result.js';
import { U64_MAX } from '../../base/u64.js';
import { MAP_ANONYMOUS, MAP_FIXED_NOREPLACE, MAP_HUGETLB, MAP_PRIVATE, MAP_SHARED, PROT_WRITE } from '../../uapi/posix.js';
import { isHugetlbFile } from '../fs/memfd.js';
import { TASK_SIZE } from '../mm/mm-constants.js';
import { ShmemObject } from '../mm/shmem.js';
import type { Task } from '../task.js';
import { canRead, canWrite } from './files.js';

const MAP_SHARED_VALIDATE = 0x03;
const MAP_TYPE = 0x0f;
const KNOWN_FLAGS = 0x0f | 0x10 | 0x20 | 0x100 | 0x800 | 0x1000 | 0x2000 | 0x4000 | 0x8000 | 0x10000 | 0x20000 | 0x40000 | MAP_FIXED_NOREPLACE;

/**
 * The order is the x86-64 syscall's: the page offset (sys_mmap), the fd (ksys_mmap_pgoff),
 * the length (do_mmap), then the mapping type and the file's access mode. do_mmap does not
 * validate prot bits it does not know; neither do we.
 */
export function sysMmap(t: Task, addr: bigint, length: bigint, prot: number, flags: number, fd: number, offset: bigint): Result<bigint> {
  if (offset & 0xfffn) return fail('EINVAL', 'sys_mmap: offset not page aligned');
  const file = flags & MAP_ANONYMOUS ? undefined : t.file(fd);
  if (!(flags & MAP_ANONYMOUS) && file === undefined) return fail('EBADF', 'ksys_mmap_pgoff: fd not open');
  if (file !== undefined && flags & MAP_HUGETLB && !isHugetlbFile(file)) return fail('EINVAL', 'ksys_mmap_pgoff: MAP_HUGETLB of a file not on hugetlbfs');
  if (length === 0n) return fail('EINVAL', 'do_mmap: zero length');
  // Arguments arrive as u64 register values. do_mmap: PAGE_ALIGN(len) wrapping to 0 is ENOMEM,
  // as is a len beyond TASK_SIZE (__get_unmapped_area); then file_mmap_ok: a device file maps
  // up to ULONG_MAX (file_mmap_size_max), so the page offset must leave room for len.
  const aligned = (length + 0xfffn) & ~0xfffn;
  if (aligned > TASK_SIZE) return fail('ENOMEM', aligned > U64_MAX ? 'do_mmap: PAGE_ALIGN(len) wraps to 0' : '__get_unmapped_area: len > TASK_SIZE');
  if (file !== undefined && offset >> 12n > (U64_MAX - aligned) >> 12n) return fail('EOVERFLOW', 'do_mmap: file_mmap_ok: offset + len beyond ULONG_MAX');
  const type = flags & MAP_TYPE;
  if (type !== MAP_SHARED && type !== MAP_PRIVATE && type !== MAP_SHARED_VALIDATE) return fail('EINVAL', 'do_mmap: need MAP_SHARED or MAP_PRIVATE');
  if (type === MAP_SHARED_VALIDATE && flags & ~KNOWN_FLAGS) return fail('EOPNOTSUPP', 'do_mmap: unknown flag with MAP_SHARED_VALIDATE');
  if (file === undefined) return t.mm.map(addr, length, prot, flags, null, 0n, t.capable('CAP_SYS_RAWIO'));
  if (type !== MAP_PRIVATE && prot & PROT_WRITE && !canWrite(file.flags)) return fail('EACCES', 'do_mmap: shared writable mapping of a file not open for writing');
  if (!canRead(file.flags)) return fail('EACCES', 'do_mmap: file not open for reading');
  if (!file.ops.mmap) return fail('ENODEV', 'do_mmap: file has no mmap');
  const m = file.ops.mmap(file, { offset, length, prot, flags }, { task: t });
  if (!m.ok) return m;
  const backing = m.value;
  const low = t.capable('CAP_SYS_RAWIO');
  if (backing instanceof ShmemObject) return t.mm.map(addr, length, prot, flags, backing, offset, low);
  const r = t.mm.map(addr, length, prot, flags, backing, 0n, low);
  if (!r.ok) backing.unmapped?.();
  return r;
}

export function sysMunmap(t: Task, addr: bigint, length: bigint): Result<void> {
  return t.mm.unmap(addr, length);
}

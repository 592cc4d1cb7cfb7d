/**
 * lseek(2) on a directory fd: each file system's own directory llseek (src/kernel/fs/dir-file.ts).
 * - sysfs (fs/kernfs/dir.c kernfs_dir_fops) and procfs (fs/proc/root.c proc_root_operations,
 *   fs/proc/base.c proc_tgid_base_operations): generic_file_llseek (fs/read_write.c
 *   generic_file_llseek_size → must_set_pos, vfs_setpos) over i_size 0 and s_maxbytes
 *   MAX_NON_LFS (fs/super.c alloc_super; kernfs_fill_super and proc_fill_super keep it).
 * - debugfs (fs/debugfs/inode.c debugfs_create_dir: simple_dir_operations): fs/libfs.c
 *   dcache_dir_lseek.
 * - devtmpfs and the tmpfs root (mm/shmem.c shmem_get_inode: simple_offset_dir_operations):
 *   fs/libfs.c offset_dir_llseek.
 * A failed lseek leaves the position as it was. The simulator lists directories by path (no
 * getdents), so the position shows only through lseek and read(2)'s rw_verify_area.
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi, type Process } from '../../src/index.js';
import { expectErrno } from '../support/errno.js';

const S64_MAX = (1n << 63n) - 1n;
const MAX_NON_LFS = (1n << 31n) - 1n;
const { SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE } = uapi;
const dirFd = (p: Process, path: string): number => p.open(path, uapi.O_RDONLY | uapi.O_DIRECTORY);
const where = (p: Process, fd: number): bigint => p.lseek(fd, 0n, SEEK_CUR);

describe('generic_file_llseek directories: sysfs and /proc (i_size 0, s_maxbytes 2^31 - 1)', () => {
  const dirs = (p: Process) => ['/sys', '/sys/bus/pci/devices', `/sys/bus/pci/devices/0000:06:00.0`, '/proc', `/proc/${p.pid}`, '/proc/self'];

  it('SEEK_SET and SEEK_CUR move within [0, MAX_NON_LFS]; SEEK_END counts from 0', () => {
    const p = new Host().spawn();
    for (const path of dirs(p)) {
      const fd = dirFd(p, path);
      expect(where(p, fd)).toBe(0n);
      expect(p.lseek(fd, 5n, SEEK_SET)).toBe(5n);
      expect(p.lseek(fd, 3n, SEEK_CUR)).toBe(8n);
      expect(p.lseek(fd, -8n, SEEK_CUR)).toBe(0n);
      expect(p.lseek(fd, 10n, SEEK_END)).toBe(10n); // i_size 0: SEEK_END is SEEK_SET here
      expect(p.lseek(fd, MAX_NON_LFS, SEEK_SET)).toBe(MAX_NON_LFS);
      expect(p.lseek(fd, -MAX_NON_LFS, SEEK_CUR)).toBe(0n);
      p.close(fd);
    }
  });

  it('a negative result or one past MAX_NON_LFS is EINVAL (vfs_setpos), and the position stays', () => {
    const p = new Host().spawn();
    for (const path of dirs(p)) {
      const fd = dirFd(p, path);
      p.lseek(fd, 7n, SEEK_SET);
      expectErrno(() => p.lseek(fd, -1n, SEEK_SET), 'EINVAL');
      expectErrno(() => p.lseek(fd, -8n, SEEK_CUR), 'EINVAL');
      expectErrno(() => p.lseek(fd, -1n, SEEK_END), 'EINVAL');
      expectErrno(() => p.lseek(fd, MAX_NON_LFS + 1n, SEEK_SET), 'EINVAL');
      expectErrno(() => p.lseek(fd, MAX_NON_LFS, SEEK_CUR), 'EINVAL');
      expectErrno(() => p.lseek(fd, MAX_NON_LFS + 1n, SEEK_END), 'EINVAL');
      expectErrno(() => p.lseek(fd, S64_MAX, SEEK_CUR), 'EINVAL'); // 7 + LLONG_MAX wraps negative
      expect(where(p, fd)).toBe(7n);
      p.close(fd);
    }
  });

  it('SEEK_DATA and SEEK_HOLE are ENXIO at every offset: none is below end of file 0 (compared unsigned)', () => {
    const p = new Host().spawn();
    for (const path of dirs(p)) {
      const fd = dirFd(p, path);
      p.lseek(fd, 3n, SEEK_SET);
      for (const off of [0n, 1n, -1n, MAX_NON_LFS + 1n]) {
        expectErrno(() => p.lseek(fd, off, SEEK_DATA), 'ENXIO');
        expectErrno(() => p.lseek(fd, off, SEEK_HOLE), 'ENXIO');
      }
      expect(where(p, fd)).toBe(3n);
      p.close(fd);
    }
  });

  it('read(2) there stays EISDIR at every position it can reach (count never passes LLONG_MAX from 2^31)', () => {
    const p = new Host().spawn();
    const fd = dirFd(p, '/sys/bus/pci');
    p.lseek(fd, MAX_NON_LFS, SEEK_SET);
    expectErrno(() => p.read(fd, 1 << 20), 'EISDIR');
  });
});

describe('dcache_dir_lseek (debugfs) and offset_dir_llseek (devtmpfs, the tmpfs root)', () => {
  const DIRS = ['/sys/kernel/debug', '/sys/kernel/debug/iommu/intel', '/sys/kernel/debug/iommu/intel/0000:06:00.0', '/dev', '/dev/vfio', '/'];

  it('SEEK_SET and SEEK_CUR reach any position >= 0, LLONG_MAX included', () => {
    const p = new Host().spawn();
    for (const path of DIRS) {
      const fd = dirFd(p, path);
      expect(p.lseek(fd, 2n, SEEK_SET)).toBe(2n);
      expect(p.lseek(fd, 5n, SEEK_CUR)).toBe(7n);
      expect(p.lseek(fd, 0n, SEEK_CUR)).toBe(7n);
      expect(p.lseek(fd, MAX_NON_LFS + 1n, SEEK_SET)).toBe(MAX_NON_LFS + 1n);
      expect(p.lseek(fd, S64_MAX, SEEK_SET)).toBe(S64_MAX);
      expect(p.lseek(fd, -S64_MAX, SEEK_CUR)).toBe(0n);
      p.close(fd);
    }
  });

  it('SEEK_END, SEEK_DATA, SEEK_HOLE and a negative result are EINVAL, and the position stays', () => {
    const p = new Host().spawn();
    for (const path of DIRS) {
      const fd = dirFd(p, path);
      p.lseek(fd, 4n, SEEK_SET);
      for (const whence of [SEEK_END, SEEK_DATA, SEEK_HOLE]) {
        expectErrno(() => p.lseek(fd, 0n, whence), 'EINVAL');
        expectErrno(() => p.lseek(fd, 10n, whence), 'EINVAL');
      }
      expectErrno(() => p.lseek(fd, -1n, SEEK_SET), 'EINVAL');
      expectErrno(() => p.lseek(fd, -5n, SEEK_CUR), 'EINVAL');
      p.lseek(fd, S64_MAX, SEEK_SET);
      expectErrno(() => p.lseek(fd, 1n, SEEK_CUR), 'EINVAL'); // LLONG_MAX + 1 wraps negative
      expect(where(p, fd)).toBe(S64_MAX);
      p.close(fd);
    }
  });

  it('the position bounds read(2): past LLONG_MAX rw_verify_area answers EINVAL before generic_read_dir EISDIR', () => {
    const p = new Host().spawn();
    for (const path of ['/dev', '/sys/kernel/debug']) {
      const fd = dirFd(p, path);
      p.lseek(fd, S64_MAX - 4n, SEEK_SET);
      expectErrno(() => p.read(fd, 4), 'EISDIR'); // up to LLONG_MAX: fine
      expectErrno(() => p.read(fd, 5), 'EINVAL');
      expectErrno(() => p.pread(fd, 5, 0n), 'EISDIR'); // pread ignores the position
      p.lseek(fd, 0n, SEEK_SET);
      expectErrno(() => p.read(fd, 5), 'EISDIR');
    }
  });
});

describe('the directory position belongs to the open file', () => {
  it('fork shares it (one open file description); another open of the same directory has its own', () => {
    const p = new Host().spawn();
    const fd = dirFd(p, '/dev/vfio');
    const other = dirFd(p, '/dev/vfio');
    p.lseek(fd, 9n, SEEK_SET);
    expect(where(p, other)).toBe(0n);
    const child = p.fork();
    expect(where(child, fd)).toBe(9n);
    child.lseek(fd, 11n, SEEK_SET);
    expect(where(p, fd)).toBe(11n);
  });

  it('ksys_lseek checks whence before the directory llseek; a closed fd is EBADF first', () => {
    const p = new Host().spawn();
    const fd = dirFd(p, '/sys');
    expectErrno(() => p.lseek(fd, 0n, SEEK_HOLE + 1), 'EINVAL');
    expectErrno(() => p.lseek(99, 0n, SEEK_SET), 'EBADF');
    expect(where(p, fd)).toBe(0n);
  });
});

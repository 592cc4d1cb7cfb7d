/**
 * lseek(2) on a memfd. shmem: shmem_file_llseek (mm/shmem.c) — SEEK_SET/CUR/END as
 * generic_file_llseek_size with MAX_LFS_FILESIZE; SEEK_DATA/SEEK_HOLE through
 * mapping_seek_hole_data (mm/filemap.c): a page in the page cache is data (every shmem folio
 * that exists is uptodate: folio_seek_hole_data), a page never allocated is a hole, i_size
 * ends the last hole; a negative offset, and any offset at or past i_size, is ENXIO.
 * hugetlbfs: default_llseek (fs/read_write.c) — the whole file is data.
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { expectErrno } from '../support/errno.js';
import { PROT_RW } from '../support/vfio.js';

const { SEEK_DATA, SEEK_HOLE, SEEK_SET, SEEK_END, SEEK_CUR } = uapi;
const PAGE = 0x1000n;

/** A memfd of `size` bytes with one byte written in each page of `pages`. */
function sparse(size: bigint, pages: number[]) {
  const p = new Host().spawn();
  const fd = p.memfdCreate('sparse');
  p.ftruncate(fd, size);
  for (const i of pages) p.pwrite(fd, Uint8Array.of(1), BigInt(i) * PAGE + 7n);
  return { p, fd };
}

describe('memfd SEEK_DATA / SEEK_HOLE (shmem_file_llseek → mapping_seek_hole_data)', () => {
  it('an empty file, and a file ftruncate grew but nobody wrote, has no data', () => {
    const { p, fd } = sparse(0n, []);
    expectErrno(() => p.lseek(fd, 0n, SEEK_DATA), 'ENXIO'); // end <= start
    expectErrno(() => p.lseek(fd, 0n, SEEK_HOLE), 'ENXIO');
    p.ftruncate(fd, 5n * PAGE);
    expectErrno(() => p.lseek(fd, 0n, SEEK_DATA), 'ENXIO'); // no page present up to i_size
    expect(p.lseek(fd, 0x1800n, SEEK_HOLE)).toBe(0x1800n); // already in a hole
  });

  it('written pages are data, the pages between them holes, the end of the file a hole', () => {
    const { p, fd } = sparse(0x4800n, [1, 2, 4]);
    expect(p.lseek(fd, 0n, SEEK_DATA)).toBe(0x1000n); // the first present page
    expect(p.lseek(fd, 0x1234n, SEEK_DATA)).toBe(0x1234n); // inside data: the offset itself
    expect(p.lseek(fd, 0x2fffn, SEEK_DATA)).toBe(0x2fffn);
    expect(p.lseek(fd, 0x3000n, SEEK_DATA)).toBe(0x4000n); // skips the hole at page 3
    expect(p.lseek(fd, 0n, SEEK_HOLE)).toBe(0n);
    expect(p.lseek(fd, 0x1010n, SEEK_HOLE)).toBe(0x3000n); // the end of the run of pages 1-2
    expect(p.lseek(fd, 0x3456n, SEEK_HOLE)).toBe(0x3456n);
    expect(p.lseek(fd, 0x4010n, SEEK_HOLE)).toBe(0x4800n); // page 4 runs past i_size: i_size
    expectErrno(() => p.lseek(fd, 0x4800n, SEEK_DATA), 'ENXIO'); // at i_size
    expectErrno(() => p.lseek(fd, 0x4800n, SEEK_HOLE), 'ENXIO');
    expectErrno(() => p.lseek(fd, 1n << 40n, SEEK_HOLE), 'ENXIO');
  });

  it('a negative offset is ENXIO, not EINVAL (shmem_file_llseek checks it first)', () => {
    const { p, fd } = sparse(0x2000n, [0]);
    expectErrno(() => p.lseek(fd, -1n, SEEK_DATA), 'ENXIO');
    expectErrno(() => p.lseek(fd, -1n, SEEK_HOLE), 'ENXIO');
  });

  it('a found offset becomes the file position (vfs_setpos); a refused seek leaves it', () => {
    const { p, fd } = sparse(0x3000n, [1]);
    expect(p.lseek(fd, 0n, SEEK_DATA)).toBe(0x1000n);
    expect(p.lseek(fd, 0n, SEEK_CUR)).toBe(0x1000n);
    expect([...p.read(fd, 8)]).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(p.lseek(fd, 0x1000n, SEEK_HOLE)).toBe(0x2000n);
    expectErrno(() => p.lseek(fd, 0x2000n, SEEK_DATA), 'ENXIO');
    expect(p.lseek(fd, 0n, SEEK_CUR)).toBe(0x2000n);
  });

  it('reading a hole allocates nothing (shmem_file_read_iter, SGP_READ); a store through a mapping does (shmem_fault)', () => {
    const { p, fd } = sparse(0x4000n, [3]);
    expect([...p.pread(fd, 16, 0x1000n)]).toEqual(new Array(16).fill(0));
    expect(p.lseek(fd, 0n, SEEK_DATA)).toBe(0x3000n);
    const a = p.mmap(0n, 0x4000n, PROT_RW, uapi.MAP_SHARED, fd, 0n);
    p.writeMem(a + 0x1000n, Uint8Array.of(9));
    expect(p.lseek(fd, 0n, SEEK_DATA)).toBe(0x1000n);
    p.writeMem(a + 0x2000n, Uint8Array.of(9));
    expect(p.lseek(fd, 0x1000n, SEEK_HOLE)).toBe(0x4000n);
    expect(p.lseek(fd, 0n, SEEK_HOLE)).toBe(0n);
  });

  it('truncation frees the pages past the new size: growing again shows holes there', () => {
    const { p, fd } = sparse(0x3000n, [0, 1, 2]);
    expect(p.lseek(fd, 0n, SEEK_HOLE)).toBe(0x3000n);
    p.ftruncate(fd, 0x1800n); // page 1 is cut, not dropped; page 2 is dropped
    p.ftruncate(fd, 0x3000n);
    expect(p.lseek(fd, 0n, SEEK_HOLE)).toBe(0x2000n);
    expect(p.lseek(fd, 0x2000n, SEEK_HOLE)).toBe(0x2000n);
    expectErrno(() => p.lseek(fd, 0x2000n, SEEK_DATA), 'ENXIO');
  });

  it('SEEK_SET/CUR/END stop at MAX_LFS_FILESIZE (generic_file_llseek_size): a sum past LLONG_MAX is EINVAL', () => {
    const { p, fd } = sparse(5n, []);
    const LLONG_MAX = (1n << 63n) - 1n;
    expect(p.lseek(fd, LLONG_MAX - 5n, SEEK_END)).toBe(LLONG_MAX);
    expectErrno(() => p.lseek(fd, LLONG_MAX - 4n, SEEK_END), 'EINVAL');
    expect(p.lseek(fd, LLONG_MAX, SEEK_SET)).toBe(LLONG_MAX);
    expectErrno(() => p.lseek(fd, 1n, SEEK_CUR), 'EINVAL');
    expectErrno(() => p.lseek(fd, -6n, SEEK_END), 'EINVAL');
  });
});

describe('hugetlbfs memfd lseek (default_llseek)', () => {
  it('the whole file is data with a virtual hole at i_size; offsets compare signed; a negative result is EINVAL', () => {
    const p = new Host().spawn();
    const h = p.memfdCreate('h', uapi.MFD_HUGETLB | uapi.MFD_HUGE_2MB);
    expectErrno(() => p.lseek(h, 0n, SEEK_DATA), 'ENXIO');
    p.ftruncate(h, 0x400000n); // no page allocated, still all "data"
    expect(p.lseek(h, 0x1234n, SEEK_DATA)).toBe(0x1234n);
    expect(p.lseek(h, 0x1234n, SEEK_HOLE)).toBe(0x400000n);
    expectErrno(() => p.lseek(h, 0x400000n, SEEK_DATA), 'ENXIO');
    expectErrno(() => p.lseek(h, 0x400000n, SEEK_HOLE), 'ENXIO');
    expectErrno(() => p.lseek(h, -1n, SEEK_DATA), 'EINVAL'); // -1 < i_size, then negative
    expect(p.lseek(h, 0n, SEEK_CUR)).toBe(0x400000n);
    expectErrno(() => p.lseek(h, (1n << 63n) - 1n, SEEK_END), 'EINVAL'); // the loff_t sum wraps
    expect(p.lseek(h, (1n << 63n) - 1n - 0x400000n, SEEK_END)).toBe((1n << 63n) - 1n);
    expectErrno(() => p.lseek(h, 1n, SEEK_CUR), 'EINVAL'); // LLONG_MAX + 1 wraps
    expect(p.lseek(h, 0n, SEEK_CUR)).toBe((1n << 63n) - 1n); // no s_maxbytes bound here
  });
});

/** MAP_HUGETLB: huge-aligned, huge-backed memory that type1 and iommufd map with large IOMMU pages. */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { map, setup, type1Of } from '../legacy/helpers.js';
import { attach, boundDevice, ioasAlloc, ioptOf, mapFixed } from '../iommufd/helpers.js';
import { PROT_RW } from '../support/vfio.js';
import { expectErrno } from '../support/errno.js';
import { mmOf, virtToPhys } from '../support/kernel-state.js';

const MB2 = 0x200000n;
const GB = 1n << 30n;
const HUGE = uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS | uapi.MAP_HUGETLB;

describe('mmap(MAP_HUGETLB)', () => {
  it('places at the huge page size, rounds the length up, and refuses cuts inside a huge page', () => {
    const p = new Host().spawn();
    const a = p.mmap(0n, 0x1000n, PROT_RW, HUGE | uapi.MAP_HUGE_2MB, -1, 0n);
    expect(a % MB2).toBe(0n);
    expect(mmOf(p).find(a)!.end - a).toBe(MB2);
    expectErrno(() => p.munmap(a, 0x1000n), 'EINVAL'); // hugetlb_vm_op_split
    expectErrno(() => p.munmap(a + 0x1000n, MB2), 'EINVAL');
    p.writeMem(a + 0x1234n, Uint8Array.of(1));
    const pa = virtToPhys(p, a)!;
    expect(pa % MB2).toBe(0n); // one physically contiguous, aligned huge page
    expect(virtToPhys(p, a + MB2 - 0x1000n)).toBe(pa + MB2 - 0x1000n);
    p.munmap(a, MB2);
    const g = p.mmap(0n, GB, PROT_RW, HUGE | uapi.MAP_HUGE_1GB, -1, 0n);
    expect(g % GB).toBe(0n);
    expectErrno(() => p.mmap(0n, MB2, PROT_RW, HUGE | (22 << uapi.MAP_HUGE_SHIFT), -1, 0n), 'EINVAL'); // no 4 MiB hstate
    expectErrno(() => p.mmap(0x7000_0010_0000n, MB2, PROT_RW, HUGE | uapi.MAP_FIXED, -1, 0n), 'EINVAL');
    expect(p.mmap(0x7000_0020_0000n, MB2, PROT_RW, HUGE | uapi.MAP_FIXED, -1, 0n)).toBe(0x7000_0020_0000n);
  });

  it('MAP_SHARED hugetlb memory is shared with a forked child', () => {
    const p = new Host().spawn();
    const a = p.mmap(0n, MB2, PROT_RW, uapi.MAP_SHARED | uapi.MAP_ANONYMOUS | uapi.MAP_HUGETLB, -1, 0n);
    const child = p.fork();
    child.writeMem(a + 0x10_0000n, Uint8Array.of(3));
    expect(p.readMem(a + 0x10_0000n, 1)[0]).toBe(3);
    expect(virtToPhys(p, a)! % MB2).toBe(0n);
  });
});

describe('type1 and iommufd map hugetlb memory with large IOMMU pages (iommu_pgsize)', () => {
  it('type1: one 1 GiB leaf for a 1 GiB hugetlb page at a 1 GiB IOVA, 2 MiB leaves for 2 MiB pages', () => {
    const { p, c } = setup();
    const g = p.mmap(0n, GB, PROT_RW, HUGE | uapi.MAP_HUGE_1GB, -1, 0n);
    map(p, c, g, GB, GB);
    const m = p.mmap(0n, 2n * MB2, PROT_RW, HUGE | uapi.MAP_HUGE_2MB, -1, 0n);
    map(p, c, m, 4n * GB, 2n * MB2);
    const sizes = [...type1Of(p, c).domains[0]!.hw.pageTable.leaves()].map((l) => l.size);
    expect(sizes.sort()).toEqual([MB2, MB2, GB].sort());
  });

  it('iommufd: 2 MiB leaves for 2 MiB hugetlb pages (MAP_SHARED, as the selftest\'s hugepage variants map)', () => {
    const d = boundDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    attach(d.p, d.dev, ioas);
    const m = d.p.mmap(0n, 2n * MB2, PROT_RW, uapi.MAP_SHARED | uapi.MAP_ANONYMOUS | uapi.MAP_HUGETLB | uapi.MAP_POPULATE, -1, 0n);
    mapFixed(d.p, d.fd, ioas, m, 16n * MB2, 2n * MB2);
    const leaves = [...ioptOf(d.p, d.fd, ioas).domains[0]!.domain.pageTable.leaves()];
    expect(leaves.map((l) => l.size)).toEqual([MB2, MB2]);
  });
});

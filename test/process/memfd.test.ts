/** memfd_create, ftruncate, MAP_SHARED of a memfd, and IOMMU_IOAS_MAP_FILE's success path. */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { attach, boundDevice, ioasAlloc, ioptOf, RW } from '../iommufd/helpers.js';
import { PROT_RW } from '../support/vfio.js';
import { errnoOf, expectErrno } from '../support/errno.js';
import { virtToPhys } from '../support/kernel-state.js';

const RID = 0x0600;
const enc = (s: string) => new TextEncoder().encode(s);

describe('memfd_create(2)', () => {
  it('an empty O_RDWR file that grows by write and ftruncate; reads stop at i_size', () => {
    const p = new Host().spawn();
    const fd = p.memfdCreate('buf', uapi.MFD_CLOEXEC);
    expect(fd).toBe(3);
    expect(p.fcntl(fd, uapi.F_GETFD)).toBe(uapi.FD_CLOEXEC);
    expect(p.fcntl(fd, uapi.F_GETFL) & uapi.O_ACCMODE).toBe(uapi.O_RDWR);
    expect(p.read(fd, 10).length).toBe(0);
    expect(p.write(fd, enc('hello'))).toBe(5);
    expect(p.lseek(fd, 0n, uapi.SEEK_END)).toBe(5n);
    expect(new TextDecoder().decode(p.pread(fd, 100, 1n))).toBe('ello');
    p.ftruncate(fd, 0x2000n);
    expect(p.lseek(fd, 0n, uapi.SEEK_END)).toBe(0x2000n);
    p.ftruncate(fd, 2n);
    expect(new TextDecoder().decode(p.pread(fd, 100, 0n))).toBe('he');
    p.ftruncate(fd, 5n); // the cut bytes come back as zeros
    expect([...p.pread(fd, 100, 0n)]).toEqual([0x68, 0x65, 0, 0, 0]);
  });

  it('refuses bad flags, names and truncations as mm/memfd.c and do_ftruncate do', () => {
    const p = new Host().spawn();
    expectErrno(() => p.memfdCreate('x', 0x40), 'EINVAL');
    expectErrno(() => p.memfdCreate('x', uapi.MFD_HUGE_2MB), 'EINVAL'); // a size without MFD_HUGETLB
    expectErrno(() => p.memfdCreate('x', uapi.MFD_EXEC | uapi.MFD_NOEXEC_SEAL), 'EINVAL');
    expectErrno(() => p.memfdCreate('x'.repeat(250)), 'EINVAL');
    expect(errnoOf(() => p.memfdCreate('x'.repeat(249)))).toBe('ok');
    expectErrno(() => p.memfdCreate('x', uapi.MFD_HUGETLB | (22 << uapi.MFD_HUGE_SHIFT)), 'ENODEV');
    const fd = p.memfdCreate('t');
    expectErrno(() => p.ftruncate(fd, -1n), 'EINVAL');
    expectErrno(() => p.ftruncate(99, 0n), 'EBADF');
    expectErrno(() => p.ftruncate(p.eventfd(), 0n), 'EINVAL');
    const h = p.memfdCreate('h', uapi.MFD_HUGETLB | uapi.MFD_HUGE_2MB);
    expectErrno(() => p.ftruncate(h, 0x1000n), 'EINVAL');
    p.ftruncate(h, 0x200000n);
    expectErrno(() => p.write(h, enc('x')), 'EINVAL'); // hugetlbfs has no write
  });

  it('MAP_SHARED mappings of a memfd share its pages across mappings and fork; past i_size is SIGBUS', () => {
    const p = new Host().spawn();
    const fd = p.memfdCreate('shm');
    p.ftruncate(fd, 0x2000n);
    const a = p.mmap(0n, 0x2000n, PROT_RW, uapi.MAP_SHARED, fd, 0n);
    const b = p.mmap(0n, 0x1000n, PROT_RW, uapi.MAP_SHARED, fd, 0x1000n);
    p.writeMem(a + 0x1008n, Uint8Array.of(7));
    expect(p.readMem(b + 8n, 1)[0]).toBe(7);
    expect(p.pread(fd, 1, 0x1008n)[0]).toBe(7);
    const child = p.fork();
    child.writeMem(b, Uint8Array.of(9));
    expect(p.readMem(a + 0x1000n, 1)[0]).toBe(9);
    const c = p.mmap(0n, 0x3000n, PROT_RW, uapi.MAP_SHARED, fd, 0n);
    expect(errnoOf(() => p.readMem(c + 0x2000n, 1))).toBe('SIGBUS');
    expectErrno(() => p.mmap(0n, 0x1000n, PROT_RW, uapi.MAP_SHARED | uapi.MAP_HUGETLB, fd, 0n), 'EINVAL');
    // the pages outlive the fd while a mapping holds the file
    p.close(fd);
    expect(p.readMem(a + 0x1008n, 1)[0]).toBe(7);
  });
});

describe('MAP_PRIVATE of a memfd', () => {
  it('reads the file until a page is written; the written page is a private copy (do_cow_fault)', () => {
    const p = new Host().spawn();
    const fd = p.memfdCreate('cow');
    p.ftruncate(fd, 0x2000n);
    p.pwrite(fd, Uint8Array.of(1), 0n);
    const priv = p.mmap(0n, 0x2000n, PROT_RW, uapi.MAP_PRIVATE, fd, 0n);
    const shared = p.mmap(0n, 0x2000n, PROT_RW, uapi.MAP_SHARED, fd, 0n);
    expect(p.readMem(priv, 1)[0]).toBe(1);
    expect(virtToPhys(p, priv)).toBe(virtToPhys(p, shared));
    p.writeMem(shared + 0x1000n, Uint8Array.of(4)); // the file changes under an unwritten private page
    expect(p.readMem(priv + 0x1000n, 1)[0]).toBe(4);
    p.writeMem(priv, Uint8Array.of(2));
    expect(p.readMem(priv, 1)[0]).toBe(2);
    expect(p.readMem(shared, 1)[0]).toBe(1);
    expect(p.pread(fd, 1, 0n)[0]).toBe(1);
    expect(virtToPhys(p, priv)).not.toBe(virtToPhys(p, shared));
    const pm = p.open('/proc/self/pagemap', uapi.O_RDONLY);
    const e = (va: bigint) => new DataView(p.pread(pm, 8, (va / 4096n) * 8n).buffer).getBigUint64(0, true);
    expect(e(priv) >> 56n).toBe(0x81n); // PRESENT | EXCLUSIVE, not FILE
    expect(e(priv + 0x1000n) & (1n << 61n)).toBe(1n << 61n); // still the file's page
    const child = p.fork();
    child.writeMem(priv, Uint8Array.of(3));
    expect(p.readMem(priv, 1)[0]).toBe(2);
    expect(p.readFile('/proc/self/maps')).toContain(' rw-p ');
  });
});

describe('IOMMU_IOAS_MAP_FILE', () => {
  it('maps a memfd range: the device reads the file\'s bytes, pinned when the domain needs them', () => {
    const d = boundDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    attach(d.p, d.dev, ioas);
    const mfd = d.p.memfdCreate('dma');
    d.p.ftruncate(mfd, 0x4000n);
    d.p.pwrite(mfd, enc('abc'), 0x1000n);
    const a = { size: 40, flags: RW | uapi.IOMMU_IOAS_MAP_FIXED_IOVA, ioas_id: ioas, fd: mfd, start: 0x1000n, length: 0x2000n, iova: 0x100000n };
    expect(d.p.ioctl(d.fd, uapi.IOMMU_IOAS_MAP_FILE, a)).toBe(0);
    const rd = d.host.iommu!.dmaRead(RID, 0x100000n, 3);
    expect(rd.ok && new TextDecoder().decode(rd.data!)).toBe('abc');
    expect(d.host.iommu!.dmaWrite(RID, 0x101000n, Uint8Array.of(5)).ok).toBe(true);
    expect(d.p.pread(mfd, 1, 0x2000n)[0]).toBe(5);
    // an automatic IOVA takes the file offset's alignment; unmap gives the pages back
    const b = { size: 40, flags: uapi.IOMMU_IOAS_MAP_READABLE, ioas_id: ioas, fd: mfd, start: 0n, length: 0x1000n, iova: 0n };
    d.p.ioctl(d.fd, uapi.IOMMU_IOAS_MAP_FILE, b);
    expect(b.iova % 0x1000n).toBe(0n);
    expect(ioptOf(d.p, d.fd, ioas).areas.size).toBe(2);
  });

  it('refuses as iopt_map_file_pages does: 0 length, a range past i_size, a non-memfd, a read-only fd mapped writeable', () => {
    const d = boundDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    attach(d.p, d.dev, ioas);
    const mfd = d.p.memfdCreate('dma');
    d.p.ftruncate(mfd, 0x1000n);
    const m = (o: Record<string, unknown>) => d.p.ioctl(d.fd, uapi.IOMMU_IOAS_MAP_FILE, { size: 40, flags: RW, ioas_id: ioas, fd: mfd, start: 0n, length: 0x1000n, iova: 0n, ...o });
    expectErrno(() => m({ length: 0n }), 'EINVAL');
    expectErrno(() => m({ start: (1n << 64n) - 0x1000n, length: 0x2000n }), 'EOVERFLOW');
    expectErrno(() => m({ length: 0x2000n }), 'EINVAL'); // memfd_pin_folios: past i_size
    expectErrno(() => m({ fd: d.p.eventfd() }), 'EINVAL'); // not a memfd
    const ro = d.p.open(`/proc/self/maps`, uapi.O_RDONLY);
    expectErrno(() => m({ fd: ro }), 'EPERM');
    expect(ioptOf(d.p, d.fd, ioas).areas.size).toBe(0);
    expect(m({})).toBe(0);
  });

  it('without a domain a non-memfd maps, and the attach that must pin it fails EINVAL', () => {
    const d = boundDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    d.p.ioctl(d.fd, uapi.IOMMU_IOAS_MAP_FILE, { size: 40, flags: uapi.IOMMU_IOAS_MAP_READABLE, ioas_id: ioas, fd: d.p.eventfd(), start: 0n, length: 0x1000n, iova: 0n });
    expectErrno(() => attach(d.p, d.dev, ioas), 'EINVAL');
  });
});

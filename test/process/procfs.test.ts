/** /proc/<pid>/pagemap and maps, as a no-IOMMU client finds IOVA-as-PA the way DPDK's rte_mem_virt2phy does. */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { EDU, setup } from '../legacy/helpers.js';
import { anonBuffer, PROT_RW } from '../support/vfio.js';
import { expectErrno } from '../support/errno.js';
import { readU64le } from '../support/bytes.js';
import { virtToPhys } from '../support/kernel-state.js';

const PRESENT = 1n << 63n;
const FILE = 1n << 61n;
const EXCLUSIVE = 1n << 56n;
const SOFT_DIRTY = 1n << 55n;
const PFN = (1n << 55n) - 1n;

function entry(p: ReturnType<Host['spawn']>, fd: number, va: bigint): bigint {
  return readU64le(p.pread(fd, 8, (va / 4096n) * 8n));
}

describe('/proc/<pid>/pagemap', () => {
  it('gives PRESENT and the PFN to CAP_SYS_ADMIN, so virt → phys works as rte_mem_virt2phy does', () => {
    const p = new Host().spawn();
    const va = anonBuffer(p, 0x3000n);
    p.writeMem(va + 0x1234n, Uint8Array.of(1));
    const fd = p.open('/proc/self/pagemap', uapi.O_RDONLY);
    const e = entry(p, fd, va + 0x1000n);
    expect(e & PRESENT).toBe(PRESENT);
    expect(e & EXCLUSIVE).toBe(EXCLUSIVE);
    expect(e & SOFT_DIRTY).toBe(SOFT_DIRTY);
    expect(e & FILE).toBe(0n);
    expect(((e & PFN) << 12n) + 0x234n).toBe(virtToPhys(p, va + 0x1234n));
    expect(entry(p, fd, va)).toBe(SOFT_DIRTY); // never touched: not present
    expect(entry(p, fd, 0x10000n)).toBe(0n); // no VMA
    // read(2) walks from the file position; /proc/<pid> is the same file
    const fd2 = p.open(`/proc/${p.pid}/pagemap`, uapi.O_RDONLY);
    expect(p.lseek(fd2, (va / 4096n) * 8n, uapi.SEEK_SET)).toBe((va / 4096n) * 8n);
    const three = p.read(fd2, 24);
    expect(readU64le(three.subarray(8))).toBe(e);
    expect(p.lseek(fd2, 0n, uapi.SEEK_CUR)).toBe((va / 4096n) * 8n + 24n);
    expect(p.readlink('/proc/self')).toBe(String(p.pid));
  });

  it('zeroes the PFN without CAP_SYS_ADMIN, and refuses misaligned reads with EINVAL', () => {
    const host = new Host();
    const u = host.spawn({ uid: 1000, gid: 1000 });
    const va = anonBuffer(u, 0x1000n);
    u.writeMem(va, Uint8Array.of(1));
    const fd = u.open('/proc/self/pagemap', uapi.O_RDONLY);
    expect(entry(u, fd, va)).toBe(PRESENT | EXCLUSIVE | SOFT_DIRTY);
    expectErrno(() => u.pread(fd, 8, 4n), 'EINVAL');
    expectErrno(() => u.pread(fd, 7, 0n), 'EINVAL');
    expectErrno(() => u.open('/proc/self/pagemap', uapi.O_RDWR), 'EACCES');
    // another user's pagemap: the mode (0400, owner) and ptrace access both say no
    const other = host.spawn({ uid: 2000, gid: 2000 });
    expectErrno(() => other.open(`/proc/${u.pid}/pagemap`, uapi.O_RDONLY), 'EACCES');
    // the capabilities the opener had at open decide
    const admin = host.spawn({ uid: 1000, gid: 1000, caps: ['CAP_SYS_ADMIN'] });
    const fa = admin.open(`/proc/${u.pid}/pagemap`, uapi.O_RDONLY);
    expect(entry(admin, fa, va) & PFN).toBe(virtToPhys(u, va)! >> 12n);
    u.exit();
    expect(admin.pread(fa, 8, (va / 4096n) * 8n).length).toBe(0);
  });

  it('shared pages are PM_FILE and exclusive only while one mapping holds them; BAR pages have no struct page', () => {
    const { p, g } = setup();
    const sh = p.mmap(0n, 0x1000n, PROT_RW, uapi.MAP_SHARED | uapi.MAP_ANONYMOUS, -1, 0n);
    p.writeMem(sh, Uint8Array.of(1));
    const fd = p.open('/proc/self/pagemap', uapi.O_RDONLY);
    expect(entry(p, fd, sh) & (PRESENT | FILE | EXCLUSIVE)).toBe(PRESENT | FILE | EXCLUSIVE);
    const child = p.fork();
    expect(entry(p, fd, sh) & (PRESENT | FILE | EXCLUSIVE)).toBe(PRESENT | FILE);
    child.exit();
    const dev = p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, EDU);
    const bar = p.mmap(0n, 0x1000n, PROT_RW, uapi.MAP_SHARED, dev, 0n);
    const e = entry(p, fd, bar);
    expect(e & (PRESENT | FILE | EXCLUSIVE)).toBe(PRESENT);
    expect((e & PFN) << 12n).toBe(virtToPhys(p, bar));
  });
});

describe('/proc/<pid>/maps', () => {
  it('lists each VMA as show_map_vma does', () => {
    const p = new Host().spawn();
    const va = anonBuffer(p, 0x2000n);
    const sh = p.mmap(0n, 0x1000n, uapi.PROT_READ, uapi.MAP_SHARED | uapi.MAP_ANONYMOUS, -1, 0n);
    const lines = p.readFile('/proc/self/maps').trimEnd().split('\n');
    const h = (v: bigint) => v.toString(16).padStart(8, '0');
    expect(lines).toContain(`${h(va)}-${h(va + 0x2000n)} rw-p 00000000 00:00 0`);
    expect(lines).toContain(`${`${h(sh)}-${h(sh + 0x1000n)} r--s 00000000 00:00 0`.padEnd(73)}/dev/zero (deleted)`);
  });
});

describe('seq_lseek (fs/seq_file.c): /proc/<pid>/maps', () => {
  it('SEEK_SET and SEEK_CUR only; a SEEK_CUR sum past LLONG_MAX wraps negative, EINVAL, and the position stays', () => {
    const p = new Host().spawn();
    const fd = p.open('/proc/self/maps', uapi.O_RDONLY);
    expect(p.lseek(fd, 10n, uapi.SEEK_SET)).toBe(10n);
    expectErrno(() => p.lseek(fd, (1n << 63n) - 1n, uapi.SEEK_CUR), 'EINVAL'); // loff_t 10 + LLONG_MAX < 0
    expectErrno(() => p.lseek(fd, -11n, uapi.SEEK_CUR), 'EINVAL');
    expectErrno(() => p.lseek(fd, 0n, uapi.SEEK_END), 'EINVAL');
    expect(p.lseek(fd, 0n, uapi.SEEK_CUR)).toBe(10n);
  });
});

/** sysfs text files read, seek and open as kernfs serves them (issue 13 §2, issue 14 item 7). */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { errnoOf, expectErrno } from '../support/errno.js';

const EDU = '0000:06:00.0';
const CLASS = `/sys/bus/pci/devices/${EDU}/class`;
const BIND = '/sys/bus/pci/drivers/vfio-pci/bind';
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('kernfs read(2), pread(2), lseek(2)', () => {
  it('read returns the text once, then 0 at end of file, so an fgets loop ends', () => {
    const p = new Host().spawn();
    const want = p.readFile(CLASS);
    const fd = p.open(CLASS, uapi.O_RDONLY);
    expect(text(p.read(fd, 4096))).toBe(want);
    expect(p.read(fd, 4096).length).toBe(0);
    expect(p.read(fd, 4096).length).toBe(0);
    // small reads continue from the file position
    const fd2 = p.open(CLASS, uapi.O_RDONLY);
    let got = '';
    for (let chunk = p.read(fd2, 3); chunk.length > 0; chunk = p.read(fd2, 3)) got += text(chunk);
    expect(got).toBe(want);
  });

  it('pread reads at an offset without moving the position; lseek rewinds and seeks as generic_file_llseek', () => {
    const p = new Host().spawn();
    const want = p.readFile(CLASS);
    const fd = p.open(CLASS, uapi.O_RDONLY);
    expect(text(p.pread(fd, 4, 2n))).toBe(want.slice(2, 6));
    expect(p.pread(fd, 4, 4096n).length).toBe(0);
    expect(text(p.read(fd, 4096))).toBe(want);
    expect(p.lseek(fd, 0n, uapi.SEEK_CUR)).toBe(BigInt(want.length));
    expect(p.lseek(fd, 0n, uapi.SEEK_SET)).toBe(0n);
    expect(text(p.read(fd, 4096))).toBe(want);
    expect(p.lseek(fd, 2n, uapi.SEEK_SET)).toBe(2n);
    expect(text(p.read(fd, 4096))).toBe(want.slice(2));
    expect(p.lseek(fd, -10n, uapi.SEEK_END)).toBe(4086n); // i_size of a sysfs attribute is PAGE_SIZE
    expectErrno(() => p.lseek(fd, -1n, uapi.SEEK_SET), 'EINVAL');
    expectErrno(() => p.lseek(fd, 0n, 5), 'EINVAL');
    expectErrno(() => p.lseek(99, 0n, 5), 'EBADF');
  });

  it('lseek SEEK_DATA/SEEK_HOLE and the bound: generic_file_llseek_size over i_size PAGE_SIZE and kernfs s_maxbytes MAX_NON_LFS', () => {
    const p = new Host().spawn();
    const fd = p.open(CLASS, uapi.O_RDONLY);
    // must_set_pos: the whole file is data, with a virtual hole at i_size
    expect(p.lseek(fd, 10n, uapi.SEEK_DATA)).toBe(10n);
    expect(p.lseek(fd, 10n, uapi.SEEK_HOLE)).toBe(4096n);
    expect(p.lseek(fd, 4095n, uapi.SEEK_DATA)).toBe(4095n);
    expectErrno(() => p.lseek(fd, 4096n, uapi.SEEK_DATA), 'ENXIO');
    expectErrno(() => p.lseek(fd, 4096n, uapi.SEEK_HOLE), 'ENXIO');
    expectErrno(() => p.lseek(fd, -1n, uapi.SEEK_DATA), 'ENXIO'); // compared unsigned
    // vfs_setpos against s_maxbytes: kernfs_fill_super keeps alloc_super's MAX_NON_LFS
    const max = (1n << 31n) - 1n;
    expect(p.lseek(fd, max, uapi.SEEK_SET)).toBe(max);
    expectErrno(() => p.lseek(fd, max + 1n, uapi.SEEK_SET), 'EINVAL');
    expectErrno(() => p.lseek(fd, 1n, uapi.SEEK_CUR), 'EINVAL');
    expect(p.lseek(fd, 0n, uapi.SEEK_CUR)).toBe(max);
  });

  it('files that cannot seek: ESPIPE for lseek and pread (an eventfd); /dev/null seeks to 0', () => {
    const p = new Host().spawn();
    const e = p.eventfd();
    expectErrno(() => p.lseek(e, 0n, uapi.SEEK_SET), 'ESPIPE');
    expectErrno(() => p.pread(e, 8, 0n), 'ESPIPE');
    expect(p.lseek(0, 100n, uapi.SEEK_SET)).toBe(0n);
  });
});

describe('kernfs open(2) and write(2) (KERNFS_ROOT_EXTRA_OPEN_PERM_CHECK, sysfs_kf_write)', () => {
  it('root cannot open a read-only attribute for writing nor a write-only one for reading: EACCES', () => {
    const p = new Host().spawn();
    expectErrno(() => p.open(CLASS, uapi.O_RDWR), 'EACCES');
    expectErrno(() => p.open(CLASS, uapi.O_WRONLY), 'EACCES');
    expectErrno(() => p.open(BIND, uapi.O_RDONLY), 'EACCES');
    expectErrno(() => p.open(BIND, uapi.O_RDWR), 'EACCES');
    expect(p.open(BIND, uapi.O_WRONLY)).toBeGreaterThan(2);
    expect(p.open(CLASS, uapi.O_RDONLY)).toBeGreaterThan(2);
    // access mode 3 grants neither FMODE_READ nor FMODE_WRITE, so kernfs checks neither
    expect(p.open(CLASS, 3)).toBeGreaterThan(2);
  });

  it('a zero-length write returns 0 without reaching the store; a real one does (ENODEV for no such device)', () => {
    const host = new Host();
    const p = host.spawn();
    const fd = p.open(BIND, uapi.O_WRONLY);
    expect(p.write(fd, new Uint8Array(0))).toBe(0);
    expect(errnoOf(() => p.write(fd, new TextEncoder().encode('0000:99:00.0')))).toBe('ENODEV');
    const ovr = `/sys/bus/pci/devices/${EDU}/driver_override`;
    p.writeFile(ovr, 'vfio-pci');
    const o = p.open(ovr, uapi.O_WRONLY);
    expect(p.write(o, new Uint8Array(0))).toBe(0);
    expect(p.readFile(ovr)).toBe('vfio-pci\n');
  });
});

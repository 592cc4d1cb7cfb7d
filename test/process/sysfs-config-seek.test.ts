/**
 * A PCI device's sysfs `config` file (drivers/pci/pci-sysfs.c, a bin attribute whose size is
 * the config space size, pci_dev_config_attr_bin_size) through the file position:
 * - lseek: fs/sysfs/file.c sysfs_kf_bin_llseek → generic_file_llseek (the attribute has no
 *   llseek) over i_size = the config size and kernfs's s_maxbytes MAX_NON_LFS (it was ESPIPE).
 * - read(2)/write(2) at the position, which they advance; a read at or past the end returns
 *   0 bytes, a write starting there is EFBIG and one crossing it is cut
 *   (sysfs_kf_bin_read, sysfs_kf_bin_write).
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { expectErrno } from '../support/errno.js';

const CONFIG = '/sys/bus/pci/devices/0000:06:00.0/config';
const { SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE } = uapi;

function open() {
  const p = new Host().spawn();
  const fd = p.open(CONFIG, uapi.O_RDWR);
  const size = BigInt(p.pread(fd, 8192, 0n).length); // 256, or 4096 for PCIe
  return { p, fd, size };
}

describe('sysfs config: lseek is generic_file_llseek over the config size', () => {
  it('SEEK_SET/CUR/END; read(2) continues at the position', () => {
    const { p, fd, size } = open();
    expect(size === 256n || size === 4096n).toBe(true);
    expect(p.lseek(fd, 0n, SEEK_END)).toBe(size);
    expect(p.read(fd, 4).length).toBe(0); // at the end: 0 bytes
    expect(p.lseek(fd, 0x10n, SEEK_SET)).toBe(0x10n);
    expect(p.read(fd, 4)).toEqual(p.pread(fd, 4, 0x10n)); // BAR0
    expect(p.lseek(fd, 0n, SEEK_CUR)).toBe(0x14n);
    expect(p.lseek(fd, -4n, SEEK_CUR)).toBe(0x10n);
    expect(p.lseek(fd, -2n, SEEK_END)).toBe(size - 2n);
    expect(p.read(fd, 8).length).toBe(2);
    expect(p.lseek(fd, size + 100n, SEEK_SET)).toBe(size + 100n); // past the end is allowed
  });

  it('SEEK_DATA below the size is the offset, SEEK_HOLE the size; at or past it ENXIO; past MAX_NON_LFS EINVAL', () => {
    const { p, fd, size } = open();
    expect(p.lseek(fd, 5n, SEEK_DATA)).toBe(5n);
    expect(p.lseek(fd, 5n, SEEK_HOLE)).toBe(size);
    expectErrno(() => p.lseek(fd, size, SEEK_DATA), 'ENXIO');
    expectErrno(() => p.lseek(fd, size, SEEK_HOLE), 'ENXIO');
    expectErrno(() => p.lseek(fd, -1n, SEEK_SET), 'EINVAL');
    expectErrno(() => p.lseek(fd, 1n << 31n, SEEK_SET), 'EINVAL');
    expect(p.lseek(fd, 0n, SEEK_CUR)).toBe(size); // the failed seeks left SEEK_HOLE's position
  });
});

describe('sysfs config: write(2) at the position (sysfs_kf_bin_write)', () => {
  it('writes at the position and advances it; at or past the end EFBIG; across it cut', () => {
    const { p, fd, size } = open();
    p.lseek(fd, 0x3cn, SEEK_SET); // interrupt line: read-write
    expect(p.write(fd, Uint8Array.of(0x0b))).toBe(1);
    expect(p.lseek(fd, 0n, SEEK_CUR)).toBe(0x3dn);
    expect(p.pread(fd, 1, 0x3cn)).toEqual(Uint8Array.of(0x0b));
    p.lseek(fd, size, SEEK_SET);
    expectErrno(() => p.write(fd, Uint8Array.of(0)), 'EFBIG');
    expectErrno(() => p.write(fd, new Uint8Array(0)), 'EFBIG'); // the size check comes before the count's
    expectErrno(() => p.pwrite(fd, Uint8Array.of(0), size + 8n), 'EFBIG');
    expect(p.lseek(fd, 0n, SEEK_CUR)).toBe(size);
    expect(p.pwrite(fd, new Uint8Array(4), size - 2n)).toBe(2);
  });

  it('the position is the open file\'s: a forked child reads on from where the parent left it', () => {
    const { p, fd } = open();
    p.lseek(fd, 8n, SEEK_SET);
    const child = p.fork();
    expect(child.read(fd, 4)).toEqual(p.pread(fd, 4, 8n));
    expect(p.lseek(fd, 0n, SEEK_CUR)).toBe(12n);
  });
});

/**
 * The order of checks of pread64/pwrite64/read/write/lseek (fs/read_write.c): ksys_pread64()
 * refuses a negative offset before it looks the fd up, and a file without FMODE_PREAD before
 * its open mode is checked; vfs_read()/vfs_write() then check FMODE_READ/WRITE (EBADF),
 * FMODE_CAN_READ/WRITE (EINVAL) and rw_verify_area() (position + count past LLONG_MAX:
 * EINVAL); ksys_lseek() checks whence before vfs_llseek()'s ESPIPE. Each test breaks one
 * rule, or two, to show which one the kernel reports first.
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { expectErrno } from '../support/errno.js';
import { DMAE_BDF, openDevice } from '../vfio-pci/helpers.js';
import { migHost, setState } from '../migration/helpers.js';
import { boundDevice, cdevIndex, EDU } from '../iommufd/helpers.js';
import { readU64le } from '../support/bytes.js';

const S64_MAX = (1n << 63n) - 1n;
const buf = (n: number) => new Uint8Array(n);

describe('pread64 / pwrite64 (ksys_pread64, ksys_pwrite64)', () => {
  it('a negative offset is EINVAL even on a closed fd; a closed fd alone is EBADF', () => {
    const p = new Host().spawn();
    expectErrno(() => p.pread(99, 8, -1n), 'EINVAL');
    expectErrno(() => p.pwrite(99, buf(8), -1n), 'EINVAL');
    expectErrno(() => p.pread(99, 8, 0n), 'EBADF');
    expectErrno(() => p.pwrite(99, buf(8), 0n), 'EBADF');
  });

  it('a file without FMODE_PREAD/PWRITE is ESPIPE before its open mode is checked (a read-only migration data fd)', () => {
    const host = migHost();
    const o = openDevice(host, DMAE_BDF);
    const fd = setState(o, uapi.VFIO_DEVICE_STATE_STOP_COPY);
    expectErrno(() => o.p.pwrite(fd, buf(4), 0n), 'ESPIPE'); // not writable either: ESPIPE wins
    expectErrno(() => o.p.pread(fd, 4, 0n), 'ESPIPE');
    expectErrno(() => o.p.pwrite(fd, buf(4), -4n), 'EINVAL'); // the offset check comes first of all
    expectErrno(() => o.p.write(fd, buf(4)), 'EBADF'); // write(2) has no FMODE_PWRITE check
  });

  it('a file opened by path has FMODE_PREAD: without a read method it is EINVAL (no FMODE_CAN_READ), not ESPIPE', () => {
    const p = new Host().spawn();
    const c = p.open('/dev/vfio/vfio', uapi.O_RDWR);
    expectErrno(() => p.pread(c, 8, 0n), 'EINVAL');
    expectErrno(() => p.pwrite(c, buf(8), 0n), 'EINVAL');
    const i = p.open('/dev/iommu', uapi.O_RDWR);
    expectErrno(() => p.pread(i, 8, 0n), 'EINVAL');
    const e = p.eventfd(0, 0); // an anon inode: no FMODE_PREAD
    expectErrno(() => p.pread(e, 8, 0n), 'ESPIPE');
  });

  it('open mode: EBADF for pread on a write-only fd and pwrite on a read-only one', () => {
    const p = new Host().spawn();
    const w = p.open('/sys/bus/pci/drivers/vfio-pci/unbind', uapi.O_WRONLY);
    expectErrno(() => p.pread(w, 8, 0n), 'EBADF');
    const r = p.open('/sys/bus/pci/devices/0000:06:00.0/vendor', uapi.O_RDONLY);
    expectErrno(() => p.pwrite(r, buf(1), 0n), 'EBADF');
    expect(new TextDecoder().decode(p.pread(r, 16, 0n))).toBe('0x1234\n');
  });

  it('a directory: pread is EISDIR (generic_read_dir), pwrite EBADF (opened read-only)', () => {
    const p = new Host().spawn();
    const d = p.open('/sys/bus/pci', uapi.O_RDONLY | uapi.O_DIRECTORY);
    expectErrno(() => p.pread(d, 8, 0n), 'EISDIR');
    expectErrno(() => p.pwrite(d, buf(8), 0n), 'EBADF');
    expectErrno(() => p.read(d, 8), 'EISDIR');
  });

  it('rw_verify_area: offset + count past LLONG_MAX is EINVAL; up to it is fine', () => {
    const p = new Host().spawn();
    const m = p.memfdCreate('x');
    expectErrno(() => p.pread(m, 8, S64_MAX - 3n), 'EINVAL');
    expectErrno(() => p.pwrite(m, buf(8), S64_MAX - 3n), 'EINVAL');
    expect(p.pread(m, 8, S64_MAX - 8n).length).toBe(0);
    expectErrno(() => p.pread(99, 8, S64_MAX), 'EBADF'); // a closed fd first
  });
});

describe('read / write / lseek', () => {
  it('read(2) and write(2) check rw_verify_area against the file position', () => {
    const p = new Host().spawn();
    const m = p.memfdCreate('x');
    expect(p.lseek(m, S64_MAX - 2n, uapi.SEEK_SET)).toBe(S64_MAX - 2n);
    expectErrno(() => p.read(m, 8), 'EINVAL');
    expectErrno(() => p.write(m, buf(8)), 'EINVAL');
    expect(p.read(m, 2).length).toBe(0);
  });

  it('read(2): EBADF (mode) before EINVAL (no read method); write(2) likewise', () => {
    const p = new Host().spawn();
    const c = p.open('/dev/vfio/vfio', uapi.O_RDWR);
    expectErrno(() => p.read(c, 8), 'EINVAL');
    expectErrno(() => p.write(c, buf(8)), 'EINVAL');
    const w = p.open('/sys/bus/pci/drivers/vfio-pci/unbind', uapi.O_WRONLY);
    expectErrno(() => p.read(w, 8), 'EBADF');
  });

  it('lseek: EBADF, then EINVAL for whence past SEEK_MAX, then ESPIPE (ksys_lseek, vfs_llseek)', () => {
    const p = new Host().spawn();
    const e = p.eventfd(0, 0);
    expectErrno(() => p.lseek(99, 0n, 99), 'EBADF');
    expectErrno(() => p.lseek(e, 0n, 99), 'EINVAL');
    expectErrno(() => p.lseek(e, 0n, uapi.SEEK_SET), 'ESPIPE');
  });
  it('read(2)/write(2) on a VFIO device fd go to the region at the file position and move it (vfio_device_fops_read)', () => {
    const host = new Host();
    host.bind(EDU, 'vfio-pci');
    const p = host.spawn();
    const unbound = p.open(`/dev/vfio/devices/vfio${cdevIndex(p, EDU)}`);
    expectErrno(() => p.read(unbound, 4), 'EINVAL'); // not bound yet
    p.close(unbound);
    const d = boundDevice({ host, p });
    const u32 = (b: Uint8Array) => Number(readU64le(Uint8Array.from([...b, 0, 0, 0, 0])));
    expect(u32(p.read(d.dev, 4))).toBe(0x010000ed); // BAR0 (region 0) offset 0: edu's ident
    expect(p.write(d.dev, Uint8Array.of(0x11, 0x22, 0x33, 0x44))).toBe(4); // offset 4: liveness
    expect(u32(p.pread(d.dev, 4, 4n))).toBe(~0x44332211 >>> 0);
    expect(u32(p.read(d.dev, 4))).toBe(0); // offset 8: factorial, never written
    expectErrno(() => p.lseek(d.dev, 0n, uapi.SEEK_SET), 'ESPIPE');
  });
});

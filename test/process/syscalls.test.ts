import { describe, expect, it } from 'vitest';
import { Host, SignalError, SystemError, uapi } from '../../src/index.js';
import { errnoOf } from '../support/errno.js';
import { readU64le, u64le } from '../support/bytes.js';
import { capable, openFile } from '../support/kernel-state.js';


describe('process: errors', () => {
  it('throws SystemError shaped like Node: code, negative errno, syscall, message', () => {
    const p = new Host().spawn();
    try {
      p.close(42);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SystemError);
      const err = e as SystemError;
      expect(err.code).toBe('EBADF');
      expect(err.errno).toBe(-9);
      expect(err.syscall).toBe('close');
      expect(err.message).toBe('EBADF: bad file descriptor, close');
    }
    try {
      p.open('/dev/nonexistent');
      expect.unreachable();
    } catch (e) {
      expect((e as SystemError).path).toBe('/dev/nonexistent');
      expect((e as SystemError).message).toBe("ENOENT: no such file or directory, open '/dev/nonexistent'");
    }
  });

  it('throws TypeError ERR_INVALID_ARG_TYPE for JS values of the wrong type', () => {
    const p = new Host().spawn();
    expect(errnoOf(() => p.close('3' as unknown as number))).toBe('ERR_INVALID_ARG_TYPE');
    expect(errnoOf(() => p.mmap(0 as unknown as bigint, 4096n, 3, 0x22, -1, 0n))).toBe('ERR_INVALID_ARG_TYPE');
    expect(errnoOf(() => p.write(0, 'x' as unknown as Uint8Array))).toBe('ERR_INVALID_ARG_TYPE');
    expect(errnoOf(() => p.read32(1 as unknown as bigint))).toBe('ERR_INVALID_ARG_TYPE');
  });

  it('uses the lowest free fd and EBADF after close', () => {
    const p = new Host().spawn({ stdio: false }); // fds 0-2 closed, as by a parent before exec
    const a = p.eventfd();
    const b = p.eventfd();
    expect([a, b]).toEqual([0, 1]);
    p.close(a);
    expect(p.eventfd()).toBe(0);
    expect(errnoOf(() => p.close(5))).toBe('EBADF');
  });
});

describe('process: eventfd', () => {
  it('counts writes, resets on read, and honours EFD_NONBLOCK through fcntl', () => {
    const p = new Host().spawn();
    const fd = p.eventfd(0, uapi.EFD_NONBLOCK);
    expect(errnoOf(() => p.read(fd, 8))).toBe('EAGAIN');
    p.write(fd, u64le(2n));
    p.write(fd, u64le(3n));
    expect(readU64le(p.read(fd, 8))).toBe(5n);
    expect(p.fcntl(fd, uapi.F_GETFL) & uapi.O_NONBLOCK).toBe(uapi.O_NONBLOCK);
    p.fcntl(fd, uapi.F_SETFL, 0);
    expect(errnoOf(() => p.read(fd, 8))).toBe('EDEADLK');
  });

  it('a blocking read runs the virtual clock until something signals', () => {
    const host = new Host();
    const p = host.spawn();
    const fd = p.eventfd(0, uapi.EFD_SEMAPHORE);
    const file = openFile(p, fd)!;
    host.clock.after(1000n, 'test signal', () => (file.priv as { signal(): void }).signal());
    expect(readU64le(p.read(fd, 8))).toBe(1n);
    expect(host.clock.now()).toBe(1000n);
  });
});

describe('process: memory', () => {
  const RW = uapi.PROT_READ | uapi.PROT_WRITE;
  const ANON = uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS;

  it('maps, stores and loads with little-endian helpers', () => {
    const p = new Host().spawn();
    const a = p.mmap(0n, 0x2000n, RW, ANON, -1, 0n);
    p.write32(a + 0xffen, 0xdeadbeef);
    expect(p.read32(a + 0xffen)).toBe(0xdeadbeef);
    p.write64(a + 8n, 0x0123456789abcdefn);
    expect(p.read64(a + 8n)).toBe(0x0123456789abcdefn);
    expect(p.read16(a + 8n)).toBe(0xcdef);
  });

  it('SIGSEGV for stores to read-only memory and loads from unmapped memory', () => {
    const p = new Host().spawn();
    const a = p.mmap(0n, 0x1000n, uapi.PROT_READ, ANON, -1, 0n);
    try {
      p.write32(a, 1);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SignalError);
      expect((e as SignalError).signal).toBe('SIGSEGV');
      expect((e as SignalError).code).toBe('SIGSEGV');
    }
    p.munmap(a, 0x1000n);
    expect(errnoOf(() => p.read32(a))).toBe('SIGSEGV');
  });

  it('mmap and munmap fail with Linux errno', () => {
    const p = new Host().spawn();
    expect(errnoOf(() => p.mmap(0n, 0n, RW, ANON, -1, 0n))).toBe('EINVAL');
    expect(errnoOf(() => p.mmap(0n, 0x1000n, RW, uapi.MAP_ANONYMOUS, -1, 0n))).toBe('EINVAL');
    expect(errnoOf(() => p.mmap(0n, 0x1000n, RW, uapi.MAP_SHARED, 99, 0n))).toBe('EBADF');
    expect(errnoOf(() => p.mmap(0n, 0x1000n, RW, ANON, -1, 0x10n))).toBe('EINVAL');
    expect(errnoOf(() => p.munmap(0x1001n, 0x1000n))).toBe('EINVAL');
  });

  it('mmap checks in the syscall order: offset, then the fd, then the length; unknown prot bits are ignored', () => {
    const p = new Host().spawn();
    expect(errnoOf(() => p.mmap(0n, 0n, RW, uapi.MAP_SHARED, 99, 0x10n))).toBe('EINVAL');
    expect(errnoOf(() => p.mmap(0n, 0n, RW, uapi.MAP_SHARED, 99, 0n))).toBe('EBADF');
    expect(errnoOf(() => p.mmap(0n, 0n, RW, 0, 99, 0n))).toBe('EBADF');
    expect(typeof p.mmap(0n, 0x1000n, RW | 0x1000000, ANON, -1, 0n)).toBe('bigint');
  });
});

describe('process: files and permissions', () => {
  it('root may chown a device node; others get EPERM, and access follows the mode', () => {
    const host = new Host();
    host.bind('0000:06:00.0', 'vfio-pci');
    const root = host.spawn();
    const user = host.spawn({ uid: 1000, gid: 1000 });
    const node = `/dev/vfio/devices/vfio0`;
    expect(errnoOf(() => user.open(node))).toBe('EACCES');
    expect(errnoOf(() => user.chown(node, 1000, 1000))).toBe('EPERM');
    root.chown(node, 1000, 1000);
    expect(errnoOf(() => user.open(node))).not.toBe('EACCES');
  });

  it('a chown of a sysfs attribute lasts, though sysfs is computed on every lookup', () => {
    const host = new Host();
    const root = host.spawn();
    const user = host.spawn({ uid: 1000, gid: 1000 });
    const attr = '/sys/bus/pci/devices/0000:06:00.0/driver_override';
    expect(errnoOf(() => user.writeFile(attr, 'vfio-pci'))).toBe('EACCES');
    root.chown(attr, 1000, -1);
    user.writeFile(attr, 'vfio-pci');
    expect(root.readFile(attr)).toBe('vfio-pci\n');
  });

  it('access mode 3 needs read and write permission but grants neither (read/write are EBADF)', () => {
    const p = new Host().spawn();
    const fd = p.open('/sys/bus/pci/devices/0000:06:00.0/vendor', 3);
    expect(errnoOf(() => p.read(fd, 8))).toBe('EBADF');
    expect(errnoOf(() => new Host().spawn({ uid: 1000 }).open('/sys/bus/pci/devices/0000:06:00.0/vendor', 3))).toBe('EACCES');
  });

  it('readdir, readlink and readFile report ENOTDIR, EINVAL and EISDIR', () => {
    const p = new Host().spawn();
    expect(errnoOf(() => p.readdir('/sys/bus/pci/devices/0000:06:00.0/vendor'))).toBe('ENOTDIR');
    expect(errnoOf(() => p.readlink('/sys/bus/pci/devices/0000:06:00.0/vendor'))).toBe('EINVAL');
    expect(errnoOf(() => p.readFile('/sys/bus/pci'))).toBe('EISDIR');
  });

  it('module parameters read back as Linux prints them and accept what kstrtobool accepts', () => {
    const host = new Host();
    const p = host.spawn();
    const path = '/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts';
    expect(p.readFile(path)).toBe('N\n');
    p.writeFile(path, 'y\n');
    expect(p.readFile(path)).toBe('Y\n');
    expect(errnoOf(() => p.writeFile(path, 'maybe'))).toBe('EINVAL');
    expect(p.readFile('/sys/module/vfio_iommu_type1/parameters/dma_entry_limit')).toBe('65535\n');
    expect(errnoOf(() => host.spawn({ uid: 1000 }).writeFile(path, 'N'))).toBe('EACCES');
    expect(errnoOf(() => p.writeFile('/sys/module/vfio_pci/parameters/disable_vga', 'Y'))).toBe('EACCES');
  });

  it('uid 0 with an explicit caps list holds exactly those capabilities', () => {
    const host = new Host();
    const p = host.spawn({ uid: 0, caps: ['CAP_SYS_RAWIO'] });
    expect(capable(p, 'CAP_SYS_RAWIO')).toBe(true);
    expect(capable(p, 'CAP_IPC_LOCK')).toBe(false);
    expect(capable(host.spawn(), 'CAP_IPC_LOCK')).toBe(true);
  });
});

/**
 * Issue 14 item 9: F_SETFL as fs/fcntl.c setfl answers it. O_DIRECT needs a file that can
 * do direct I/O (FMODE_CAN_ODIRECT): none here can, so EINVAL, and the flags stay. O_NOATIME
 * needs the inode's owner or CAP_FOWNER (inode_owner_or_capable), else EPERM. O_APPEND and
 * O_NONBLOCK change freely; bits outside SETFL_MASK are ignored.
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { errnoOf } from '../support/errno.js';

describe('fcntl(F_SETFL) (setfl)', () => {
  it('O_DIRECT on a device, an eventfd or a sysfs file is EINVAL and changes no flag', () => {
    const host = new Host();
    const p = host.spawn();
    const fds = [p.open('/dev/vfio/vfio', uapi.O_RDWR), p.eventfd(), p.open('/sys/bus/pci/devices/0000:06:00.0/vendor', uapi.O_RDONLY)];
    for (const fd of fds) {
      const before = p.fcntl(fd, uapi.F_GETFL);
      expect(errnoOf(() => p.fcntl(fd, uapi.F_SETFL, uapi.O_DIRECT | uapi.O_NONBLOCK))).toBe('EINVAL');
      expect(p.fcntl(fd, uapi.F_GETFL)).toBe(before);
    }
  });

  it('O_NOATIME: root (CAP_FOWNER) may set it and F_GETFL shows it; a user on a root-owned node gets EPERM', () => {
    const host = new Host();
    const root = host.spawn();
    const fd = root.open('/dev/vfio/vfio', uapi.O_RDWR);
    root.fcntl(fd, uapi.F_SETFL, uapi.O_NOATIME | uapi.O_NONBLOCK);
    expect(root.fcntl(fd, uapi.F_GETFL) & (uapi.O_NOATIME | uapi.O_NONBLOCK)).toBe(uapi.O_NOATIME | uapi.O_NONBLOCK);
    root.fcntl(fd, uapi.F_SETFL, 0);
    expect(root.fcntl(fd, uapi.F_GETFL) & (uapi.O_NOATIME | uapi.O_NONBLOCK)).toBe(0);
    const user = host.spawn({ uid: 1000 });
    const ufd = user.open('/dev/vfio/vfio', uapi.O_RDWR);
    const before = user.fcntl(ufd, uapi.F_GETFL);
    expect(errnoOf(() => user.fcntl(ufd, uapi.F_SETFL, uapi.O_NOATIME))).toBe('EPERM');
    expect(user.fcntl(ufd, uapi.F_GETFL)).toBe(before);
    user.fcntl(ufd, uapi.F_SETFL, uapi.O_APPEND | uapi.O_TRUNC);
    expect(user.fcntl(ufd, uapi.F_GETFL)).toBe(before | uapi.O_APPEND);
  });
});

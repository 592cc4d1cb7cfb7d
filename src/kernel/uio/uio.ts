/**
 * The UIO core (drivers/uio/uio.c): a kernel driver registers a `UioInfo` and gets
 * /dev/uio<minor>; user space reads the interrupt count from it and maps the device's
 * memory. The kernel side only acknowledges interrupts — everything else, including the
 * device's DMA, is left to user space with no isolation at all.
 *
 * File semantics, as uio.c has them:
 *  - open: the minor must still be registered (ENODEV); the new listener starts at the
 *    current event count.
 *  - read: exactly 4 bytes (EINVAL); EIO when the device has no interrupt or is gone; else
 *    the event count (s32, little-endian) once it differs from the listener's last one.
 *    Blocking: O_NONBLOCK → EAGAIN; otherwise the host clock runs until an interrupt
 *    arrives, or fails EDEADLK when nothing scheduled can raise one (the simulator's rule,
 *    as for eventfd).
 *  - write: exactly 4 bytes (EINVAL); EINVAL when the device is gone, EIO without an
 *    interrupt, ENOSYS when the driver has no irqcontrol; else irqcontrol(s32).
 *  - release: the driver's release hook (uio_pci_generic clears bus mastering there).
 * The node is root-only (0600 root:root, udev's default for uio), until someone chowns it.
 *
 * Invariants: minors are the lowest free numbers (idr_alloc); the event count only grows;
 * a listener never reports the same count twice.
 */
import { charDevice } from '../fs/node.js';
import { fail, ok, type Result } from '../../base/result.js';
import { OpenFile, type FileOperations, type SyscallContext } from '../fs/file.js';
import type { Kernel } from '../kernel.js';
import { O_NONBLOCK } from '../../uapi/posix.js';

/** struct uio_info, reduced to what the simulator's drivers use. */
export interface UioInfo {
  readonly name: string;
  readonly version: string;
  /** info->irq != 0: the device has an interrupt UIO handles. */
  readonly irq: boolean;
  /** info->irqcontrol: enable (non-zero) or disable (0) the interrupt; absent → write is ENOSYS. */
  readonly irqcontrol?: (irqOn: number) => Result<void>;
  /** info->release: the last close of one open file. */
  readonly release?: () => void;
}

export class UioDevice {
  /** atomic_t event: interrupts handled since registration. */
  event = 0;
  /** false once uio_unregister_device ran (idev->info = NULL). */
  live = true;

  constructor(readonly minor: number, readonly info: UioInfo, readonly parent: string) {}

  get nodeName(): string {
    return `uio${this.minor}`;
  }
}

interface Listener {
  readonly dev: UioDevice;
  eventCount: number;
}

/** The kernel's UIO devices, by minor (one per kernel: `Kernel.uio`). */
export class UioCore {
  readonly devices = new Map<number, UioDevice>();

  constructor(private readonly k: Kernel) {}

  /** __uio_register_device(): the lowest free minor, /dev/uio<minor>. */
  register(info: UioInfo, parent: string): UioDevice {
    let minor = 0;
    while (this.devices.has(minor)) minor++;
    const dev = new UioDevice(minor, info, parent);
    this.devices.set(minor, dev);
    this.k.devfs.create(dev.nodeName, charDevice(0o600, (_ctx, flags, path) => this.open(minor, flags, path)));
    this.k.trace.add('driver', parent, `${info.name}: registered /dev/${dev.nodeName}`);
    return dev;
  }

  /** uio_unregister_device(): the node goes away; open files see a dead device. */
  unregister(dev: UioDevice): void {
    dev.live = false;
    this.devices.delete(dev.minor);
    this.k.devfs.remove(dev.nodeName);
  }

  /** uio_event_notify(): count one interrupt and wake readers. */
  notify(dev: UioDevice): void {
    dev.event = (dev.event + 1) | 0;
  }

  private open(minor: number, flags: number, path: string): Result<OpenFile> {
    const dev = this.devices.get(minor);
    if (dev === undefined) return fail('ENODEV', 'uio_open: no device for this minor');
    const l: Listener = { dev, eventCount: dev.event };
    return ok(new OpenFile(uioFops, l, flags, path));
  }
}

function s32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
}

const uioFops: FileOperations<Listener> = {
  kind: 'uio',
  read(f: OpenFile<Listener>, len: number, ctx: SyscallContext): Result<Uint8Array> {
    if (len !== 4) return fail('EINVAL', 'uio_read: count != sizeof(s32)');
    const l = f.priv;
    const dev = l.dev;
    if (!dev.live || !dev.info.irq) return fail('EIO', 'uio_read: no interrupt (or the device is gone)');
    if (dev.event === l.eventCount) {
      if (f.flags & O_NONBLOCK) return fail('EAGAIN', 'uio_read: no new interrupt');
      const clock = ctx.task.kernel.clock;
      while (dev.live && dev.event === l.eventCount) {
        if (!clock.step()) return fail('EDEADLK', 'uio_read: no interrupt and nothing scheduled can raise one');
      }
      if (!dev.live) return fail('EIO', 'uio_read: the device went away');
    }
    l.eventCount = dev.event;
    return ok(s32(dev.event));
  },
  write(f: OpenFile<Listener>, data: Uint8Array): Result<number> {
    if (data.length !== 4) return fail('EINVAL', 'uio_write: count != sizeof(s32)');
    const dev = f.priv.dev;
    if (!dev.live) return fail('EINVAL', 'uio_write: the device is gone');
    if (!dev.info.irq) return fail('EIO', 'uio_write: no interrupt');
    if (dev.info.irqcontrol === undefined) return fail('ENOSYS', 'uio_write: the driver has no irqcontrol');
    const r = dev.info.irqcontrol(new DataView(data.buffer, data.byteOffset, 4).getInt32(0, true));
    return r.ok ? ok(4) : r;
  },
  release(f: OpenFile<Listener>): void {
    const dev = f.priv.dev;
    if (dev.live) dev.info.release?.();
  },
};

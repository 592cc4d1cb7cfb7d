/**
 * eventfd(2): a 64-bit counter behind a file descriptor (fs/eventfd.c).
 *
 * - write(8 bytes v): adds v; v = 0xffffffffffffffff is EINVAL; if the sum would exceed
 *   0xfffffffffffffffe the write blocks (EAGAIN with EFD_NONBLOCK).
 * - read(8 bytes): returns the counter and zeroes it (EFD_SEMAPHORE: returns 1 and
 *   decrements); with the counter at 0 it blocks (EAGAIN with EFD_NONBLOCK).
 * - buffers shorter than 8 bytes are EINVAL.
 * - the kernel signals it with eventfd_signal(), which adds 1 and saturates instead of
 *   blocking; kernel consumers (virqfd, ioeventfd) subscribe to its wakeups.
 *
 * A blocking call runs the host clock until it can complete; when nothing scheduled could
 * make it complete it fails with EDEADLK instead of hanging (a simulator rule, documented).
 */
import { fail, ok, type Result } from '../base/result.js';
import { U64_MAX } from '../base/u64.js';
import { OpenFile, type FileOperations, type SyscallContext } from './fs/file.js';

export const EFD_SEMAPHORE = 0o1;
export const EFD_NONBLOCK = 0o4000;
export const EFD_CLOEXEC = 0o2000000;
export const EVENTFD_MAX = 0xfffffffffffffffen;

export class EventFd {
  count: bigint;
  readonly semaphore: boolean;
  /** Signals delivered by the kernel (eventfd_signal), for tests and traces. */
  signals = 0;
  private readonly waiters = new Set<(e: EventFd) => void>();

  constructor(initval: bigint, flags: number) {
    this.count = initval;
    this.semaphore = (flags & EFD_SEMAPHORE) !== 0;
  }

  /** eventfd_signal(): add, saturating at ULLONG_MAX (the kernel never blocks); wakes subscribers. */
  signal(n = 1n): void {
    const room = U64_MAX - this.count;
    this.count += n < room ? n : room;
    this.signals++;
    this.wakeWaiters();
  }

  /** Register a kernel-side wakeup callback (virqfd, ioeventfd); returns the unsubscribe. */
  subscribe(fn: (e: EventFd) => void): () => void {
    this.waiters.add(fn);
    return () => this.waiters.delete(fn);
  }

  /** Wake kernel-side subscribers (after a user write or a signal). */
  wakeWaiters(): void {
    for (const w of [...this.waiters]) w(this);
  }

  /** Take what a read would return, or null when it would block. */
  take(): bigint | null {
    if (this.count === 0n) return null;
    const v = this.semaphore ? 1n : this.count;
    this.count -= v;
    return v;
  }
}

function encode(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
}

/** Run the clock until `ready()` or nothing is left to run. */
function waitFor(ctx: SyscallContext, ready: () => boolean): boolean {
  const clock = ctx.task.kernel.clock;
  while (!ready()) if (!clock.step()) return false;
  return true;
}

export const eventfdFops: FileOperations<EventFd> = {
  kind: 'eventfd',
  read(f: OpenFile<EventFd>, len: number, ctx: SyscallContext): Result<Uint8Array> {
    if (len < 8) return fail('EINVAL', 'eventfd_read: buffer shorter than 8 bytes');
    const e = f.priv;
    if (e.count === 0n) {
      if (f.flags & EFD_NONBLOCK) return fail('EAGAIN', 'eventfd_read: counter is 0');
      if (!waitFor(ctx, () => e.count !== 0n)) return fail('EDEADLK', 'eventfd_read: counter is 0 and nothing scheduled can signal it');
    }
    return ok(encode(e.take()!));
  },
  write(f: OpenFile<EventFd>, data: Uint8Array, ctx: SyscallContext): Result<number> {
    if (data.length < 8) return fail('EINVAL', 'eventfd_write: buffer shorter than 8 bytes');
    const v = new DataView(data.buffer, data.byteOffset, 8).getBigUint64(0, true);
    if (v === U64_MAX) return fail('EINVAL', 'eventfd_write: ULLONG_MAX');
    const e = f.priv;
    if (EVENTFD_MAX - e.count < v) {
      if (f.flags & EFD_NONBLOCK) return fail('EAGAIN', 'eventfd_write: counter would overflow');
      if (!waitFor(ctx, () => EVENTFD_MAX - e.count >= v)) return fail('EDEADLK', 'eventfd_write: counter would overflow and nothing scheduled can drain it');
    }
    e.count += v;
    if (v > 0n) e.wakeWaiters();
    return ok(8);
  },
};

/** eventfd2(initval, flags): the OpenFile for a new eventfd. */
export function createEventFd(initval: number, flags: number): Result<OpenFile<EventFd>> {
  if (flags & ~(EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC)) return fail('EINVAL', 'eventfd2: unknown flags');
  const e = new EventFd(BigInt(initval >>> 0), flags);
  return ok(new OpenFile(eventfdFops, e, 0o2 | (flags & EFD_NONBLOCK), 'anon_inode:[eventfd]'));
}

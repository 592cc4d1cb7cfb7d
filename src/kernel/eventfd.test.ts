import { describe, expect, it } from 'vitest';
import { Clock } from '../base/clock.js';
import { createEventFd, EFD_NONBLOCK, EFD_SEMAPHORE, type EventFd } from './eventfd.js';
import type { OpenFile, SyscallContext } from './fs/file.js';

function ctxWith(clock: Clock): SyscallContext {
  return { task: { kernel: { clock } } } as unknown as SyscallContext;
}
function u64(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
}
function val(b: Uint8Array): bigint {
  return new DataView(b.buffer, b.byteOffset).getBigUint64(0, true);
}
function mk(init: number, flags: number): OpenFile<EventFd> {
  const r = createEventFd(init, flags);
  if (!r.ok) throw new Error(r.code);
  return r.value;
}

describe('eventfd', () => {
  const clock = new Clock();
  const ctx = ctxWith(clock);

  it('reads and resets the counter; semaphore mode decrements by one', () => {
    const f = mk(3, 0);
    expect(val((f.ops.read!(f, 8, ctx) as { value: Uint8Array }).value)).toBe(3n);
    const s = mk(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    expect(val((s.ops.read!(s, 8, ctx) as { value: Uint8Array }).value)).toBe(1n);
    expect(val((s.ops.read!(s, 8, ctx) as { value: Uint8Array }).value)).toBe(1n);
    expect(s.ops.read!(s, 8, ctx)).toMatchObject({ ok: false, code: 'EAGAIN' });
  });

  it('rejects short buffers and ULLONG_MAX with EINVAL', () => {
    const f = mk(0, EFD_NONBLOCK);
    expect(f.ops.read!(f, 4, ctx)).toMatchObject({ code: 'EINVAL' });
    expect(f.ops.write!(f, new Uint8Array(4), ctx)).toMatchObject({ code: 'EINVAL' });
    expect(f.ops.write!(f, u64(0xffffffffffffffffn), ctx)).toMatchObject({ code: 'EINVAL' });
  });

  it('refuses to overflow: EAGAIN non-blocking, EDEADLK when blocking with nothing to drain it', () => {
    const f = mk(0, EFD_NONBLOCK);
    expect(f.ops.write!(f, u64(0xfffffffffffffffen), ctx)).toEqual({ ok: true, value: 8 });
    expect(f.ops.write!(f, u64(1n), ctx)).toMatchObject({ code: 'EAGAIN' });
    f.flags &= ~EFD_NONBLOCK;
    expect(f.ops.write!(f, u64(1n), ctx)).toMatchObject({ code: 'EDEADLK' });
    expect(f.priv.count).toBe(0xfffffffffffffffen);
  });

  it('a blocking read runs the clock until a signal arrives', () => {
    const c = new Clock();
    const f = mk(0, 0);
    c.after(500n, 'irq', () => f.priv.signal());
    const r = f.ops.read!(f, 8, ctxWith(c));
    expect(val((r as { value: Uint8Array }).value)).toBe(1n);
    expect(c.now()).toBe(500n);
    expect(f.ops.read!(f, 8, ctxWith(c))).toMatchObject({ code: 'EDEADLK' });
  });

  it('kernel signals saturate at ULLONG_MAX instead of overflowing', () => {
    const f = mk(0, 0);
    f.priv.count = 0xfffffffffffffffdn;
    f.priv.signal(5n);
    expect(f.priv.count).toBe(0xffffffffffffffffn);
  });
});

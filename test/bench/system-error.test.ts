/**
 * SystemError records fewer stack frames than a plain Error (SystemError.stackFrameLimit,
 * to make the thousands of expected failures of a property run cheaper), but it stays a
 * real Error with Node's shape whose stack names the code that made the failing call.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Host, SystemError } from '../../src/index.js';

const saved = { error: Error.stackTraceLimit, sys: SystemError.stackFrameLimit };
afterEach(() => {
  Error.stackTraceLimit = saved.error;
  SystemError.stackFrameLimit = saved.sys;
});

function caught(fn: () => unknown): SystemError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SystemError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

// Named functions standing for a user's driver code: the stack must reach them.
function driverProbeBadIoctl(host: Host): void {
  host.spawn().ioctl(97, 0x3b64);
}
function driverProbeOpen(host: Host): void {
  host.spawn().open('/dev/vfio/no-such-group');
}
function driverInitStep(host: Host): void {
  driverProbeOpen(host);
}

describe('SystemError', () => {
  it('has Node\'s shape and is a real Error', () => {
    const host = new Host();
    const e = caught(() => driverProbeBadIoctl(host));
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(SystemError);
    expect(e.name).toBe('SystemError');
    expect(e.code).toBe('EBADF');
    expect(e.errno).toBe(-9);
    expect(e.syscall).toBe('ioctl');
    expect(e.info?.fd).toBe(97);
    expect(e.message).toMatch(/^EBADF: bad file descriptor, ioctl /);
    expect(Object.prototype.toString.call(e)).toBe('[object Error]');
  });

  it('stack names the caller of the syscall and the caller\'s caller, read long after the throw', () => {
    const host = new Host();
    const e = caught(() => driverInitStep(host));
    expect(e.code).toBe('ENOENT');
    expect(e.path).toBe('/dev/vfio/no-such-group');
    // Read from here, not from the catch site: the frames were recorded at construction.
    const stack = e.stack ?? '';
    expect(stack.startsWith('SystemError: ENOENT')).toBe(true);
    expect(stack).toMatch(/at driverProbeOpen \(/);
    expect(stack).toMatch(/at driverInitStep \(/);
    expect(stack).toMatch(/system-error\.test\.ts:\d+:\d+/);
  });

  it('records at most stackFrameLimit frames, never more than Error.stackTraceLimit, and restores the global', () => {
    const frames = (e: Error): number => (e.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).length;
    const deep = (n: number): SystemError => (n === 0 ? new SystemError('EINVAL', 'ioctl') : deep(n - 1));
    Error.stackTraceLimit = 10;
    expect(frames(deep(20))).toBe(SystemError.stackFrameLimit);
    expect(Error.stackTraceLimit).toBe(10);
    expect(frames(new Error('plain'))).toBe(10);
    SystemError.stackFrameLimit = Infinity;
    expect(frames(deep(20))).toBe(10);
    Error.stackTraceLimit = 2;
    expect(frames(deep(20))).toBe(2);
    expect(Error.stackTraceLimit).toBe(2);
  });
});

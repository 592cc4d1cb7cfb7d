import { describe, expect, it } from 'vitest';
import * as P from './posix.js';

describe('posix constants (x86-64)', () => {
  it('open flags', () => {
    expect(P.O_ACCMODE).toBe(3);
    expect(P.O_NONBLOCK).toBe(0x800);
    expect(P.O_CLOEXEC).toBe(0x80000);
    expect(P.O_DIRECTORY).toBe(0x10000);
    expect(P.O_PATH).toBe(0x200000);
  });

  it('eventfd flags reuse the open flags', () => {
    expect(P.EFD_NONBLOCK).toBe(P.O_NONBLOCK);
    expect(P.EFD_CLOEXEC).toBe(P.O_CLOEXEC);
    expect(P.EFD_SEMAPHORE).toBe(1);
  });

  it('mmap', () => {
    expect(P.MAP_SHARED | P.MAP_ANONYMOUS).toBe(0x21);
    expect(P.MAP_FIXED_NOREPLACE).toBe(0x100000);
    expect(P.PROT_READ | P.PROT_WRITE).toBe(3);
  });

  it('capability names are indexed by number', () => {
    expect(P.CAPABILITY_NAMES.length).toBe(P.CAP_LAST_CAP + 1);
    expect(P.CAPABILITY_NAMES[P.CAP_IPC_LOCK]).toBe('CAP_IPC_LOCK');
    expect(P.CAPABILITY_NAMES[P.CAP_SYS_RAWIO]).toBe('CAP_SYS_RAWIO');
    expect(P.CAPABILITY_NAMES[P.CAP_SYS_ADMIN]).toBe('CAP_SYS_ADMIN');
    for (const [i, name] of P.CAPABILITY_NAMES.entries()) {
      expect((P as Record<string, unknown>)[name]).toBe(i);
    }
    expect(P.capabilityNumber('CAP_IPC_LOCK')).toBe(14);
    expect(P.capabilityNumber('CAP_NOPE')).toBeUndefined();
  });
});

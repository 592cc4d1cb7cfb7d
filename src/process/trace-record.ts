/**
 * Recording what a process does into the host trace, as data (TraceCall, TraceAccess) whose
 * text is rendered by the one formatter in src/base/trace-format.ts: a syscall with its
 * decoded arguments, result or errno and what the kernel wrote back (trace-calls.ts says how
 * each syscall shows); a CPU load or store with its width, target (`bar0+0x8` or the
 * address) and value. The entry keeps raw values and renders them when it is first read.
 */
import type { Result } from '../base/result.js';
import type { TraceAccess, TraceCall } from '../base/trace-format.js';
import type { DeviceMapping } from '../kernel/fs/file.js';
import type { Task } from '../kernel/task.js';
import type { CallSpec, CallValues } from './trace-calls.js';

interface CallRecord {
  readonly spec: CallSpec;
  readonly values: CallValues;
  readonly ret: string;
  readonly errno: string | null;
  readonly why: string | undefined;
}

function renderCall(c: CallRecord): TraceCall {
  const args = [];
  for (const [name, show] of c.spec.args) {
    const value = show(c.values);
    if (value !== undefined) args.push({ name, value });
  }
  if (c.errno !== null) return { type: 'call', syscall: c.spec.syscall, args, ret: '-1', errno: c.errno, ...(c.why !== undefined ? { why: c.why } : {}) };
  const out = c.spec.out?.(c.values);
  return { type: 'call', syscall: c.spec.syscall, args, ret: c.ret, ...(out !== undefined ? { out } : {}) };
}

/** Record a finished syscall: `ret` shown on success, `-1 ERRNO (why)` on failure. `values` are what `spec` renders from. */
export function recordCall(task: Task, spec: CallSpec, values: CallValues, r: Result<unknown>, ret = '0'): void {
  const trace = task.kernel.trace;
  if (!trace.enabled) return;
  trace.addLazy('syscall', task.name, renderCall, { spec, values, ret: r.ok ? ret : '-1', errno: r.ok ? null : r.code, why: r.ok ? undefined : r.why });
}

interface AccessRecord {
  readonly type: 'load' | 'store';
  readonly bytes: number;
  readonly addr: bigint;
  /** The device mapping the address falls in, and the offset into it; null for memory. */
  readonly mapping: DeviceMapping | null;
  readonly off: bigint;
  readonly value: bigint | undefined;
  readonly signal: string | undefined;
}

/** Where a CPU access lands: `bar0+0x8` inside a device mapping that says so, else the address. */
function accessTarget(a: AccessRecord): string {
  if (a.mapping === null) return `0x${a.addr.toString(16)}`;
  const base = a.mapping.traceBase;
  if (base === undefined) return `${a.mapping.name}+0x${a.off.toString(16)}`;
  return `${base.region}+0x${(base.offset + a.off).toString(16)}`;
}

function renderAccess(a: AccessRecord): TraceAccess {
  return { type: a.type, bytes: a.bytes, addr: a.addr, target: accessTarget(a), ...(a.value !== undefined ? { value: a.value } : {}), ...(a.signal !== undefined ? { signal: a.signal } : {}) };
}

/**
 * The value of a 1-, 2-, 4- or 8-byte access. Built from two 32-bit halves so it allocates one
 * or two bigints, not three per byte: this runs on every traced CPU load and store (an MSI-X
 * doorbell's store is one), and the per-byte version raised the interrupt path's GC share.
 */
function littleEndian(data: Uint8Array): bigint {
  let lo = 0;
  for (let i = Math.min(data.length, 4) - 1; i >= 0; i--) lo = lo * 256 + data[i]!;
  if (data.length <= 4) return BigInt(lo);
  let hi = 0;
  for (let i = data.length - 1; i >= 4; i--) hi = hi * 256 + data[i]!;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Record a CPU load or store: `data` is what was loaded or stored (null when it faulted: `signal`). */
export function recordAccess(task: Task, type: 'load' | 'store', addr: bigint, bytes: number, data: Uint8Array | null, signal?: string): void {
  const trace = task.kernel.trace;
  if (!trace.enabled) return;
  const sized = bytes === 1 || bytes === 2 || bytes === 4 || bytes === 8;
  const v = task.mm.find(addr);
  const device = v?.backing.kind === 'device' ? v.backing : null;
  trace.addLazy('cpu', task.name, renderAccess, {
    type,
    bytes,
    addr,
    mapping: device === null ? null : device.mapping,
    off: device === null ? 0n : device.pgoff + addr - v!.start,
    value: data !== null && sized ? littleEndian(data) : undefined,
    signal,
  });
}

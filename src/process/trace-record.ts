/**
 * Recording what a process does into the host trace, as data (TraceCall, TraceAccess) whose
 * text is rendered by the one formatter in src/base/trace-format.ts: a syscall with its
 * decoded arguments, result or errno and what the kernel wrote back (trace-calls.ts says how
 * each syscall shows; an ioctl's record is in trace-ioctl.ts); a CPU load or store with its
 * width, target (`bar0+0x8` or the address) and value. Each is kept as a TraceRecord of raw
 * values, rendered when read: one object literal per kind of record, holding only what it
 * shows (trace.ts says why), with `who` read from the task when shown, not a string per entry.
 */
import type { Failure, Result } from '../base/result.js';
import type { TraceEntry } from '../base/trace.js';
import { formatDetail, type TraceAccess, type TraceCall, type TraceDetail } from '../base/trace-format.js';
import type { DeviceMapping } from '../kernel/fs/file.js';
import type { Task } from '../kernel/task.js';
import type { CallSpec, CallValues } from './trace-calls.js';

/** The plain entry a record shows. */
export function entry(time: bigint, kind: 'syscall' | 'cpu', task: Task, detail: TraceDetail): TraceEntry {
  return { time, kind, who: task.name, text: formatDetail(detail), detail };
}

/** A call's detail from its spec and raw values; `failed` shows as -1 ERRNO (why). */
export function renderCall(spec: CallSpec, values: CallValues, ret: string, failed: Failure | null): TraceCall {
  const args = [];
  for (const [name, show] of spec.args) {
    const value = show(values);
    if (value !== undefined) args.push({ name, value });
  }
  if (failed !== null) return { type: 'call', syscall: spec.syscall, args, ret: '-1', errno: failed.code, ...(failed.why !== undefined ? { why: failed.why } : {}) };
  const out = spec.out?.(values);
  return { type: 'call', syscall: spec.syscall, args, ret, ...(out !== undefined ? { out } : {}) };
}

interface CallRecord {
  readonly time: bigint;
  readonly show: (r: CallRecord) => TraceEntry;
  readonly task: Task;
  readonly spec: CallSpec;
  readonly values: CallValues;
  /** `ret` as shown, or the failure. */
  readonly result: string | Failure;
}

function showCall(r: CallRecord): TraceEntry {
  const res = r.result;
  return entry(r.time, 'syscall', r.task, typeof res === 'string' ? renderCall(r.spec, r.values, res, null) : renderCall(r.spec, r.values, '', res));
}

/** Record a finished syscall: `ret` shown on success, `-1 ERRNO (why)` on failure. `values` are what `spec` renders from. */
export function recordCall(task: Task, spec: CallSpec, values: CallValues, r: Result<unknown>, ret = '0'): void {
  const trace = task.kernel.trace;
  if (!trace.enabled) return;
  trace.addRecord<CallRecord>({ time: trace.now(), show: showCall, task, spec, values, result: r.ok ? ret : r });
}

interface AccessRecord {
  readonly time: bigint;
  readonly show: (r: AccessRecord) => TraceEntry;
  readonly task: Task;
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

function showAccess(a: AccessRecord): TraceEntry {
  const detail: TraceAccess = { type: a.type, bytes: a.bytes, addr: a.addr, target: accessTarget(a), ...(a.value !== undefined ? { value: a.value } : {}), ...(a.signal !== undefined ? { signal: a.signal } : {}) };
  return entry(a.time, 'cpu', a.task, detail);
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
  const mapping = device === null ? null : device.mapping;
  const off = device === null ? 0n : device.pgoff + addr - v!.start;
  const value = data !== null && sized ? littleEndian(data) : undefined;
  trace.addRecord<AccessRecord>({ time: trace.now(), show: showAccess, task, type, bytes, addr, mapping, off, value, signal });
}

/**
 * An ioctl's trace record, the hot one (a MAP_DMA loop traces every call). It is made before
 * the call, holding the argument as it is then, and added to the trace after it with the
 * result and what the kernel wrote back; it is rendered (trace-calls.ts, trace-decode.ts) only
 * when someone reads the trace.
 *
 * What holds: the entry shows the argument as it was at the call, whatever the caller does to
 * its object later; and it costs as little as the trace's retention allows. A flat argument —
 * an object of at most FLAT own keys whose values are not objects, MAP_DMA's and UNMAP_DMA's —
 * is copied into the record's own k0/v0.. fields instead of a separate object; any other
 * argument is copied by snapshotArg. Once the trace is full, Trace.reuse hands back the record
 * `limit` dropped, so a steady ioctl loop allocates none.
 *
 * Unlike the other records (trace.ts), this one is a class instance, allocated young: a
 * pretenured literal costs a runtime allocation and a remembered-set entry for each young
 * value it points at — a fresh argument's bigints, as a driver that builds its arguments per
 * call has — which kept a traced MAP_DMA on a trace not yet full at 1.2-1.3x the old build's
 * (the bench's map-unmap rig, both builds in one process, batches alternated); as a class
 * instance 1.04-1.11x, and no slower once the trace is full.
 */
import type { Failure, Result } from '../base/result.js';
import type { TraceEntry } from '../base/trace.js';
import type { Task } from '../kernel/task.js';
import type { FdKind } from '../uapi/ioctls.js';
import { formatRequest } from '../uapi/names.js';
import { SYSCALLS } from './trace-calls.js';
import { snapshotAfter, snapshotArg } from './trace-decode.js';
import { entry, renderCall } from './trace-record.js';

/** At most this many keys of a flat argument are kept in the record's own fields. */
const FLAT = 6;

/** Mutable: filled in when the call ends (time, arg, result), and again when the trace hands back a dropped record (Trace.reuse). */
export interface IoctlRecord {
  time: bigint;
  readonly show: (r: IoctlRecord) => TraceEntry;
  task: Task;
  fd: number;
  request: number;
  fdKind: FdKind | undefined;
  /**
   * With n < 0: the argument's copy, or a WrittenBack when the kernel wrote into it.
   * With n >= 0 (the copy is in k0/v0..): undefined, or the copy of the argument after the call
   * when the kernel wrote into it.
   */
  arg: unknown;
  /** The return value, or the failure. */
  result: number | Failure;
  /** How many keys of a flat argument k0/v0.. hold, in the argument's key order; -1 when none. */
  n: number;
  k0: string | undefined;
  v0: unknown;
  k1: string | undefined;
  v1: unknown;
  k2: string | undefined;
  v2: unknown;
  k3: string | undefined;
  v3: unknown;
  k4: string | undefined;
  v4: unknown;
  k5: string | undefined;
  v5: unknown;
}

class IoctlRec implements IoctlRecord {
  readonly show = showIoctl;
  arg: unknown = undefined;
  result: number | Failure = 0;
  n = -1;
  k0: string | undefined = undefined;
  v0: unknown = undefined;
  k1: string | undefined = undefined;
  v1: unknown = undefined;
  k2: string | undefined = undefined;
  v2: unknown = undefined;
  k3: string | undefined = undefined;
  v3: unknown = undefined;
  k4: string | undefined = undefined;
  v4: unknown = undefined;
  k5: string | undefined = undefined;
  v5: unknown = undefined;
  constructor(
    public time: bigint,
    public task: Task,
    public fd: number,
    public request: number,
    public fdKind: FdKind | undefined,
  ) {}
}

/** An argument the kernel wrote back into: its copies from before and after the call (a class: no copy of a user's argument is one). */
class WrittenBack {
  constructor(
    readonly before: unknown,
    readonly after: unknown,
  ) {}
}

function put(r: IoctlRecord, i: number, k: string, v: unknown): void {
  switch (i) {
    case 0: r.k0 = k; r.v0 = v; break;
    case 1: r.k1 = k; r.v1 = v; break;
    case 2: r.k2 = k; r.v2 = v; break;
    case 3: r.k3 = k; r.v3 = v; break;
    case 4: r.k4 = k; r.v4 = v; break;
    default: r.k5 = k; r.v5 = v;
  }
}

function keyAt(r: IoctlRecord, i: number): string | undefined {
  return i === 0 ? r.k0 : i === 1 ? r.k1 : i === 2 ? r.k2 : i === 3 ? r.k3 : i === 4 ? r.k4 : r.k5;
}

function valueAt(r: IoctlRecord, i: number): unknown {
  return i === 0 ? r.v0 : i === 1 ? r.v1 : i === 2 ? r.v2 : i === 3 ? r.v3 : i === 4 ? r.v4 : r.v5;
}

/**
 * Copy a flat argument into the record: its own enumerable keys, in order, as the spread of
 * snapshotArg would (an inherited key, a `__proto__` key, a value that is an object or a
 * key past FLAT: not flat, and the record keeps snapshotArg's copy instead).
 */
function keepFlat(r: IoctlRecord, arg: unknown): boolean {
  if (typeof arg !== 'object' || arg === null || Array.isArray(arg) || arg instanceof Uint8Array) return false;
  const o = arg as Record<string, unknown>;
  let n = 0;
  for (const k in o) {
    const x = o[k];
    // hasOwnProperty.call inside for-in is compiled to a check of the key cache; Object.hasOwn
    // is a real lookup per key (it doubled this function's cost)
    if (n === FLAT || (typeof x === 'object' && x !== null) || k === '__proto__' || !Object.prototype.hasOwnProperty.call(o, k)) return false;
    put(r, n++, k, x);
  }
  r.n = n;
  return true;
}

/** Whether `arg` still has exactly the keys and values the record copied (a false "no" only costs a copy). */
function sameFlat(r: IoctlRecord, arg: Record<string, unknown>): boolean {
  let i = 0;
  for (const k in arg) {
    if (i === r.n || k !== keyAt(r, i) || arg[k] !== valueAt(r, i)) return false;
    i++;
  }
  return i === r.n;
}

/** The flat argument as the object it was (what ioctlArg decodes). */
function flatArg(r: IoctlRecord): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = 0; i < r.n; i++) o[keyAt(r, i)!] = valueAt(r, i);
  return o;
}

function showIoctl(r: IoctlRecord): TraceEntry {
  const { arg, result } = r;
  let before: unknown;
  let after: unknown;
  if (r.n >= 0) {
    before = flatArg(r);
    after = arg === undefined ? before : arg;
  } else {
    before = arg instanceof WrittenBack ? arg.before : arg;
    after = arg instanceof WrittenBack ? arg.after : arg;
  }
  // on failure nothing was written back, and `out` is not shown
  const values = [r.fd, formatRequest(r.request, r.fdKind), r.request, r.fdKind, before, typeof result === 'number' ? after : undefined];
  const call = typeof result === 'number' ? renderCall(SYSCALLS.ioctl, values, String(result), null) : renderCall(SYSCALLS.ioctl, values, '', result);
  return entry(r.time, 'syscall', r.task, call);
}

/** The record of an ioctl about to be made, holding `arg` as it is now; null when nothing is traced. */
export function ioctlRecord(task: Task, fd: number, request: number, fdKind: FdKind | undefined, arg: unknown): IoctlRecord | null {
  const trace = task.kernel.trace;
  if (!trace.enabled) return null;
  const u = undefined;
  let r = trace.reuse(showIoctl);
  if (r === null) r = new IoctlRec(trace.now(), task, fd, request, fdKind);
  else {
    // a dropped record: every field it shows is set again (k/v past n are never read)
    r.task = task;
    r.fd = fd;
    r.request = request;
    r.fdKind = fdKind;
    r.arg = u;
    r.result = 0;
    r.n = -1;
  }
  if (!keepFlat(r, arg)) r.arg = snapshotArg(arg);
  return r;
}

/** Add the record of a finished ioctl: its result, and a copy of what the kernel wrote into `arg`. */
export function recordIoctl(r: IoctlRecord, arg: unknown, res: Result<number>): void {
  const trace = r.task.kernel.trace;
  r.time = trace.now();
  r.result = res.ok ? res.value : res;
  if (res.ok) {
    if (r.n >= 0) {
      if (!sameFlat(r, arg as Record<string, unknown>)) r.arg = snapshotArg(arg);
    } else {
      const after = snapshotAfter(r.arg, arg);
      if (after !== r.arg) r.arg = new WrittenBack(r.arg, after);
    }
  }
  trace.addRecord(r);
}

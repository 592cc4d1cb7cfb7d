/**
 * Recording what a process does into the host trace, as data (TraceCall, TraceAccess) whose
 * text is rendered by the one formatter in src/base/trace-format.ts: a syscall with its
 * decoded arguments, result or errno and what the kernel wrote back; a CPU load or store
 * with its width, target (`bar0+0x8` or the address) and value. Nothing is computed when
 * the trace is off.
 */
import type { Result } from '../base/result.js';
import type { TraceArg, TraceValue } from '../base/trace.js';
import type { Task } from '../kernel/task.js';

/** `name=value` pairs in C order: `arg('fd', 3)`. */
export function arg(name: string, value: TraceValue | number | bigint): TraceArg {
  return { name, value: typeof value === 'string' || typeof value === 'object' ? value : String(value) };
}

/** Record a finished syscall: `ret` shown on success, `-1 ERRNO (why)` on failure. */
export function recordCall(task: Task, syscall: string, args: readonly TraceArg[], r: Result<unknown>, ret = '0', out?: TraceValue): void {
  const trace = task.kernel.trace;
  if (!trace.enabled) return;
  if (r.ok) trace.addDetail('syscall', task.name, { type: 'call', syscall, args, ret, ...(out !== undefined ? { out } : {}) });
  else trace.addDetail('syscall', task.name, { type: 'call', syscall, args, ret: '-1', errno: r.code, ...(r.why !== undefined ? { why: r.why } : {}) });
}

/** Where a CPU access at `addr` lands: `bar0+0x8` inside a device mapping that says so, else the address. */
function accessTarget(task: Task, addr: bigint): string {
  const v = task.mm.find(addr);
  if (v?.backing.kind !== 'device') return `0x${addr.toString(16)}`;
  const base = v.backing.mapping.traceBase;
  if (base === undefined) return `${v.backing.mapping.name}+0x${(v.backing.pgoff + addr - v.start).toString(16)}`;
  return `${base.region}+0x${(base.offset + v.backing.pgoff + addr - v.start).toString(16)}`;
}

function littleEndian(data: Uint8Array): bigint {
  let v = 0n;
  for (let i = data.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(data[i]!);
  return v;
}

/** Record a CPU load or store: `data` is what was loaded or stored (null when it faulted: `signal`). */
export function recordAccess(task: Task, type: 'load' | 'store', addr: bigint, bytes: number, data: Uint8Array | null, signal?: string): void {
  const trace = task.kernel.trace;
  if (!trace.enabled) return;
  const sized = bytes === 1 || bytes === 2 || bytes === 4 || bytes === 8;
  const value = data !== null && sized ? { value: littleEndian(data) } : {};
  trace.addDetail('cpu', task.name, { type, bytes, addr, target: accessTarget(task, addr), ...value, ...(signal !== undefined ? { signal } : {}) });
}

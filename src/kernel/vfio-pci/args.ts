/**
 * Reading and writing ioctl argument objects the way the kernel copies structs from and to
 * user memory: an absent arg is a NULL pointer (EFAULT), a JS value of the wrong type is a
 * TypeError (ERR_INVALID_ARG_TYPE), an omitted field reads as zero. Write-backs are
 * collected first and applied only when the call succeeds.
 */
import { fail, failType, ok, type Failure, type Result } from '../../base/result.js';

export type Arg = Record<string, unknown>;

/** The struct behind `arg`, or EFAULT / a type error. */
export function structArg(arg: unknown, name = 'arg'): Result<Arg> {
  if (arg === undefined || arg === null) return fail('EFAULT', 'copy_from_user: NULL argument');
  if (typeof arg !== 'object' || Array.isArray(arg)) return failType(name, 'of type object', arg);
  return ok(arg as Arg);
}

/** A __u32 / __s32 (or smaller) field: a number; absent = 0. */
export function num(a: Arg, field: string, signed = false): Result<number> {
  const v = a[field];
  if (v === undefined) return ok(0);
  if (typeof v !== 'number' || !Number.isInteger(v)) return failType(`arg.${field}`, 'of type number', v);
  return ok(signed ? v | 0 : v >>> 0);
}

/** A __u64 field: a bigint; absent = 0n. */
export function big(a: Arg, field: string): Result<bigint> {
  const v = a[field];
  if (v === undefined) return ok(0n);
  if (typeof v !== 'bigint') return failType(`arg.${field}`, 'of type bigint', v);
  return ok(BigInt.asUintN(64, v));
}

/** Read several u32 fields at once; the first failure wins. */
export function nums<K extends string>(a: Arg, fields: readonly K[]): Result<Record<K, number>> {
  const out = {} as Record<K, number>;
  for (const f of fields) {
    const r = num(a, f);
    if (!r.ok) return r;
    out[f] = r.value;
  }
  return ok(out);
}

/** Elements of a flexible array member (`data`, `group_fds`): EFAULT when missing or short. */
export function arrayField(a: Arg, field: string, count: number): Result<unknown[]> {
  const v = a[field];
  if (count === 0) return ok([]);
  if (v === undefined) return fail('EFAULT', `copy_from_user: ${field} missing`);
  if (!Array.isArray(v)) return failType(`arg.${field}`, 'an instance of Array', v);
  if (v.length < count) return fail('EFAULT', `copy_from_user: ${field} shorter than count`);
  return ok(v.slice(0, count));
}

export function isFailure(r: Result<unknown>): r is Failure {
  return !r.ok;
}

/**
 * Node-style argument checks for the syscall skin: a JS value of the wrong type is a
 * TypeError with code ERR_INVALID_ARG_TYPE (or ERR_OUT_OF_RANGE), never a SystemError.
 * Expected types and ranges are worded as Node's validators word them: a number range as
 * validateInteger's `>= min && <= max`, a bigint range as Buffer's writeBigUInt64LE's
 * `>= 0n and < 2n ** 64n`.
 */
import { invalidArgType, outOfRange } from '../base/errors.js';

export function checkInt(name: string, v: unknown): number {
  if (typeof v !== 'number') throw invalidArgType(name, 'number', v);
  if (!Number.isInteger(v)) throw outOfRange(name, 'an integer', v);
  return v;
}

export function checkBigint(name: string, v: unknown): bigint {
  if (typeof v !== 'bigint') throw invalidArgType(name, 'bigint', v);
  return v;
}

const S64_MIN = -(1n << 63n);
const U64_LIMIT = 1n << 64n;

/** A bigint a 64-bit register can hold (signed or unsigned): [-2^63, 2^64). */
function check64(name: string, v: unknown): bigint {
  const n = checkBigint(name, v);
  if (n < S64_MIN || n >= U64_LIMIT) throw outOfRange(name, '>= -(2n ** 63n) and < 2n ** 64n', n);
  return n;
}

/**
 * An `unsigned long` / `size_t` argument (address, length, mmap offset): the register's
 * value, as the kernel reads it. A negative bigint is its two's complement, as C would pass
 * it (a length of -0x1000 is 2^64 - 0x1000); a bigint no register holds is ERR_OUT_OF_RANGE.
 */
export function checkU64(name: string, v: unknown): bigint {
  return BigInt.asUintN(64, check64(name, v));
}

/** A `loff_t` argument (pread/pwrite position): the register read as signed, so 2^63 and up are negative. */
export function checkS64(name: string, v: unknown): bigint {
  return BigInt.asIntN(64, check64(name, v));
}

/** A duration or instant of the virtual clock: a bigint of nanoseconds in [0, 2^64). */
export function checkNanoseconds(name: string, v: unknown): bigint {
  const n = checkBigint(name, v);
  if (n < 0n || n >= U64_LIMIT) throw outOfRange(name, '>= 0n and < 2n ** 64n', n);
  return n;
}

/** An integer count >= 0 (Number.isSafeInteger), as Node's validateInteger with min 0. */
export function checkCount(name: string, v: unknown): number {
  const n = checkInt(name, v);
  if (n < 0 || !Number.isSafeInteger(n)) throw outOfRange(name, `>= 0 && <= ${Number.MAX_SAFE_INTEGER}`, n);
  return n;
}

/** An options bag: undefined, or a plain object (not an array, not null). */
export function checkOptions(name: string, v: unknown): Record<string, unknown> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidArgType(name, 'object', v);
  return v as Record<string, unknown>;
}

export function checkString(name: string, v: unknown): string {
  if (typeof v !== 'string') throw invalidArgType(name, 'string', v);
  return v;
}

export function checkBytes(name: string, v: unknown): Uint8Array {
  if (!(v instanceof Uint8Array)) throw invalidArgType(name, 'Uint8Array', v);
  return v;
}

/** MAX_RW_COUNT (INT_MAX & PAGE_MASK): the most one read(2) or write(2) moves (scenario files take the same). */
export const MAX_RW_COUNT = 0x7ffff000;

/** A read length: an integer in [0, MAX_RW_COUNT], worded as fs.readSync's length check. */
export function checkLength(name: string, v: unknown): number {
  const n = checkInt(name, v);
  if (n < 0 || n > MAX_RW_COUNT) throw outOfRange(name, `>= 0 && <= ${MAX_RW_COUNT}`, n);
  return n;
}

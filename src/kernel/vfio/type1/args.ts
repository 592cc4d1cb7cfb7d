/**
 * Reading ioctl arguments the way the kernel's copy_from_user does, over the JS shape of
 * contract §6: a plain object with the C field names, u64 fields as bigint, smaller
 * integers as number. An omitted field reads as zero; a value of the wrong JS type is a
 * Node-style TypeError (a Failure carrying `typeError`), reported for the first bad field.
 */
import { fail, failType, type Failure } from '../../../base/result.js';

export type ArgObject = Record<string, unknown>;

/** copy_from_user of a struct: a missing (NULL) arg is EFAULT, a non-object a TypeError. */
export function argObject(arg: unknown, name = 'arg'): ArgObject | Failure {
  if (arg === undefined || arg === null) return fail('EFAULT', 'copy_from_user: NULL argument');
  if (typeof arg !== 'object' || Array.isArray(arg)) return failType(name, 'of type object', arg);
  return arg as ArgObject;
}

export function isFailure(v: unknown): v is Failure {
  return typeof v === 'object' && v !== null && (v as { ok?: unknown }).ok === false && 'code' in v;
}

/** Reads fields of one object; the first type error sticks in `failure`. */
export class ArgReader {
  failure: Failure | null = null;

  constructor(
    readonly obj: ArgObject,
    private readonly prefix: string,
  ) {}

  /** A __u32 field (number); wraps as C truncation would. */
  u32(field: string): number {
    const v = this.obj[field];
    if (v === undefined) return 0;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      this.failure ??= failType(`${this.prefix}.${field}`, 'of type number', v);
      return 0;
    }
    return v >>> 0;
  }

  /** A __u64 field (bigint), reduced modulo 2^64. */
  u64(field: string): bigint {
    const v = this.obj[field];
    if (v === undefined) return 0n;
    if (typeof v !== 'bigint') {
      this.failure ??= failType(`${this.prefix}.${field}`, 'of type bigint', v);
      return 0n;
    }
    return BigInt.asUintN(64, v);
  }

  /** A nested struct (struct vfio_bitmap inside data[]); missing reads as zeros. */
  nested(field: string): ArgReader {
    const v = this.obj[field];
    if (v === undefined) return new ArgReader({}, `${this.prefix}.${field}`);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.failure ??= failType(`${this.prefix}.${field}`, 'of type object', v);
      return new ArgReader({}, `${this.prefix}.${field}`);
    }
    const r = new ArgReader(v as ArgObject, `${this.prefix}.${field}`);
    return r;
  }
}

/**
 * An ioctl's by-value integer argument (CHECK_EXTENSION, SET_IOMMU): number or bigint. The
 * kernel compares the whole unsigned long, so a bigint keeps all 64 bits (2^32 + 1 is not 1);
 * above 2^53 the number is inexact but still equals no extension id.
 */
export function byValue(arg: unknown, name = 'arg'): number | Failure {
  if (arg === undefined) return 0;
  if (typeof arg === 'number' && Number.isInteger(arg)) return arg;
  if (typeof arg === 'bigint') return Number(BigInt.asUintN(64, arg));
  return failType(name, 'of type number', arg);
}

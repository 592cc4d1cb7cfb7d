/**
 * Static ioctl dispatch tables, one per fd kind, in the style of Linux's iommufd_ioctl_ops[]
 * (drivers/iommu/iommufd/main.c IOCTL_OP): each row names the request, its handler, the
 * struct the handler copies and the last field of the struct's mandatory part. For a struct
 * row the dispatcher does the handler's first step — `copy_from_user(&x, arg, minsz)` with
 * minsz = offsetofend(struct, last) — through the one reader (uaccess.ts) and hands the
 * handler the decoded fields; the handler then checks `argsz < minsz` in its own order.
 *
 * Invariant (ioctl-tables.test.ts): every row's struct exists in the uapi tables, its minsz
 * is offsetofend of its last field, and its request is the one uapi/ioctls.ts lists for the
 * fd kind with the same struct and minsz field.
 */
import { fail, type Failure, type Result } from '../base/result.js';
import { offsetofend, type StructName } from '../uapi/structs.js';
import type { SyscallContext } from './fs/file.js';
import { leadingSize, notUserArg, readStruct, structReader, type Fields, type StructReader, type UserArg } from './uaccess.js';

/** What a struct row's handler receives: the user's object, the copied fields, minsz. */
export interface StructArg {
  readonly obj: UserArg;
  /** The fields copy_from_user(minsz) read (fields at or past minsz read as zero). */
  readonly f: Fields;
  /** The caller's `argsz` (the struct's leading u32). */
  readonly argsz: number;
  /** offsetofend(struct, last): the handler's minsz. */
  readonly minsz: number;
  readonly struct: StructName;
}

interface StructOp<T> {
  readonly request: number;
  readonly struct: StructName;
  readonly last: string;
  readonly minsz: number;
  /** The struct's reader, worked out once when the table is built. */
  readonly reader: StructReader;
  readonly handler: (t: T, a: StructArg, sc: SyscallContext) => Result<number>;
  /** A check the kernel makes before copying the argument (type1 DIRTY_PAGES: v1 is EACCES). */
  readonly before?: (t: T) => Failure | null;
  /**
   * Set for a row copied as copy_struct_from_user(&x, sizeof(x), arg, argsz): get_user(argsz),
   * EINVAL below minsz (citing this kernel function), then the copy up to argsz — bytes past
   * sizeof must be zero (E2BIG). Unset: copy_from_user(&x, arg, minsz).
   */
  readonly sized?: string;
}

interface RawOp<T> {
  readonly request: number;
  readonly struct: null;
  readonly last: null;
  readonly minsz: 0;
  readonly handler: (t: T, arg: unknown, sc: SyscallContext) => Result<number>;
}

export type IoctlOp<T> = StructOp<T> | RawOp<T>;

/** A row whose argument is a struct copied up to offsetofend(struct, last). */
export function structOp<T>(request: number, struct: StructName, last: string, handler: StructOp<T>['handler'], before?: StructOp<T>['before']): IoctlOp<T> {
  const op = { request, struct, last, minsz: offsetofend(struct, last), reader: structReader(struct), handler };
  return before === undefined ? op : { ...op, before };
}

/**
 * A row whose handler copies the user's whole `argsz` with copy_struct_from_user (newer
 * extensible structs, e.g. VFIO_DEVICE_BIND_IOMMUFD): `who` names it in the EINVAL for an
 * argsz below minsz.
 */
export function sizedOp<T>(request: number, struct: StructName, last: string, who: string, handler: StructOp<T>['handler']): IoctlOp<T> {
  return { request, struct, last, minsz: offsetofend(struct, last), reader: structReader(struct), handler, sized: who };
}

/** A row whose argument is nothing, a value, an int pointer or a string: passed as given. */
export function rawOp<T>(request: number, handler: RawOp<T>['handler']): IoctlOp<T> {
  return { request, struct: null, last: null, minsz: 0, handler };
}

/** The row of `request`, or undefined (a plain loop: this runs on every ioctl). */
export function findOp<T>(table: readonly IoctlOp<T>[], request: number): IoctlOp<T> | undefined {
  for (const op of table) if (op.request === request) return op;
  return undefined;
}

/**
 * Run `request` from `table` on `t`: copy the struct for a struct row (EFAULT for NULL, a
 * type or range error for a field no C struct could hold), then call the handler. A request
 * the table lacks is ENOTTY, with `who` naming the kernel function.
 */
export function dispatch<T>(table: readonly IoctlOp<T>[], t: T, request: number, arg: unknown, sc: SyscallContext, who: string): Result<number> {
  const op = findOp(table, request);
  if (op === undefined) return fail('ENOTTY', `${who}: unknown request 0x${request.toString(16)}`);
  return runOp(op, t, arg, sc);
}

/** One row's work: the handler, after the row's copy_from_user for a struct row. */
export function runOp<T>(op: IoctlOp<T>, t: T, arg: unknown, sc: SyscallContext): Result<number> {
  if (op.struct === null) return op.handler(t, arg, sc);
  if (op.before !== undefined) {
    const early = op.before(t);
    if (early !== null) return early;
  }
  const bad = notUserArg(arg);
  if (bad !== null) return bad;
  const obj = arg as UserArg;
  let size = op.minsz;
  if (op.sized !== undefined) {
    const argsz = leadingSize(obj);
    if (!argsz.ok) return argsz;
    if (argsz.value < op.minsz) return fail('EINVAL', `${op.sized}: argsz ${argsz.value} < ${op.minsz}`);
    size = argsz.value;
  }
  const f = readStruct(op.reader, obj, size);
  if (!f.ok) return f;
  return op.handler(t, { obj, f: f.value, argsz: f.value['argsz'] as number, minsz: op.minsz, struct: op.struct }, sc);
}

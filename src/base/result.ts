/**
 * Results of kernel-internal operations.
 *
 * The simulator's core never throws for an expected failure: building an Error costs
 * hundreds of times more than a small object, and property tests provoke failures all the
 * time. A core function returns `Ok<T> | Failure`; only the syscall skin (src/process)
 * turns a Failure into a thrown SystemError.
 *
 * Guarantee: a function that returns a Failure has changed no state, unless its doc
 * comment names the partial effect Linux itself leaves behind.
 */
import type { ErrnoCode } from './errno.js';

export interface Ok<T> {
  readonly ok: true;
  readonly value: T;
}

export interface Failure {
  readonly ok: false;
  /** The errno the kernel would return. */
  readonly code: ErrnoCode;
  /** Which kernel check failed, for traces and messages (e.g. "vfio_dma_do_map: overlap"). */
  readonly why?: string;
  /**
   * Set when the failure is a JS value of the wrong type rather than a kernel errno: the
   * syscall skin throws a Node-style TypeError (ERR_INVALID_ARG_TYPE) instead of a SystemError.
   */
  readonly typeError?: { readonly name: string; readonly expected: string | readonly string[]; readonly actual: unknown };
  /**
   * Set when the failure is a JS number the parameter or struct field cannot hold (not an
   * integer, or outside the C type's range): the skin throws a Node-style RangeError
   * (ERR_OUT_OF_RANGE) instead of a SystemError.
   */
  readonly rangeError?: { readonly name: string; readonly range: string; readonly actual: number | bigint };
}

export type Result<T> = Ok<T> | Failure;

const OK_VOID: Ok<void> = Object.freeze({ ok: true, value: undefined });

export function ok<T>(value: T): Ok<T> {
  return { ok: true, value };
}

/** The shared success value of operations that return nothing. */
export function okVoid(): Ok<void> {
  return OK_VOID;
}

export function fail(code: ErrnoCode, why?: string): Failure {
  return why === undefined ? { ok: false, code } : { ok: false, code, why };
}

/**
 * A JS argument of the wrong type: `name` is the field path (e.g. "arg.iova"), `expected` as
 * Node's ERR_INVALID_ARG_TYPE takes it ("bigint", "Uint8Array", a list) or a worded phrase
 * (errors.ts invalidArgType, worded by node-error-texts.ts).
 */
export function failType(name: string, expected: string | readonly string[], actual: unknown): Failure {
  return { ok: false, code: 'EINVAL', typeError: { name, expected, actual } };
}

/** A number `name` cannot hold: `range` says what it must be (e.g. ">= 0 and <= 4294967295"). */
export function failRange(name: string, range: string, actual: number | bigint): Failure {
  return { ok: false, code: 'EINVAL', rangeError: { name, range, actual } };
}


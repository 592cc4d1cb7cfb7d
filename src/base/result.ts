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

export function isFailure<T>(r: Result<T>): r is Failure {
  return !r.ok;
}

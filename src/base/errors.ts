/**
 * The errors the public surface throws: SystemError (a failed syscall, shaped like Node's
 * system errors), SignalError (a CPU load or store that Linux would answer with a signal),
 * and Node's TypeError/RangeError for JS values of the wrong type or out of range (their texts:
 * node-error-texts.ts).
 */
import { errnoNumber, errnoText, type ErrnoCode } from './errno.js';
import { invalidArgTypeMessage, outOfRangeMessage } from './node-error-texts.js';

export interface SystemErrorInfo {
  /** The ioctl request name, when the syscall was an ioctl. */
  readonly request?: string;
  readonly fd?: number;
  /** The kernel check that failed. */
  readonly why?: string;
}

/**
 * A failed syscall. `code` is the errno name, `errno` the negative Linux x86-64 number,
 * `syscall` the call, `path` the path when one was given. The message reads like Node's:
 * `EINVAL: invalid argument, ioctl VFIO_IOMMU_MAP_DMA`.
 * @public
 */
export class SystemError extends Error {
  /**
   * How many stack frames a SystemError records (never more than `Error.stackTraceLimit`).
   * Recording a frame costs ~0.3 µs on Node 20, and a property run throws thousands of
   * expected SystemErrors whose stack nobody reads, so the default keeps the skin's own
   * one or two frames plus the caller and a few of its callers. Raise it (or set
   * `Infinity` to follow `Error.stackTraceLimit`) to see deeper stacks.
   */
  static stackFrameLimit = 6;

  override readonly name = 'SystemError';
  readonly code: ErrnoCode;
  readonly errno: number;
  readonly syscall: string;
  readonly path?: string;
  readonly info?: SystemErrorInfo;

  constructor(code: ErrnoCode, syscall: string, opts: { path?: string; info?: SystemErrorInfo } = {}) {
    const subject = opts.info?.request ?? (opts.path !== undefined ? `'${opts.path}'` : '');
    // V8 records the stack while Error's constructor runs; lower the limit only for that.
    const limit = Error.stackTraceLimit;
    if (SystemError.stackFrameLimit < limit) Error.stackTraceLimit = SystemError.stackFrameLimit;
    try {
      super(`${code}: ${errnoText(code)}, ${syscall}${subject ? ' ' + subject : ''}`);
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.code = code;
    this.errno = -errnoNumber(code);
    this.syscall = syscall;
    if (opts.path !== undefined) this.path = opts.path;
    if (opts.info !== undefined) this.info = opts.info;
  }
}

export type SignalName = 'SIGSEGV' | 'SIGBUS';

/**
 * What a CPU load or store gets where Linux would deliver SIGSEGV or SIGBUS.
 * `signal` and `code` both hold the signal name; `address` is the faulting address.
 * @public
 */
export class SignalError extends Error {
  override readonly name = 'SignalError';
  readonly signal: SignalName;
  readonly code: SignalName;
  readonly address: bigint;

  constructor(signal: SignalName, address: bigint, why: string) {
    super(`${signal} at 0x${address.toString(16)}: ${why}`);
    this.signal = signal;
    this.code = signal;
    this.address = address;
  }
}

/** Node's ERR_INVALID_ARG_TYPE TypeError, worded by Node's rules (node-error-texts.ts). */
export function invalidArgType(name: string, expected: string | readonly string[], actual: unknown): TypeError {
  return argTypeError(invalidArgTypeMessage(name, expected, actual));
}

/** A TypeError with Node's code ERR_INVALID_ARG_TYPE and the given text (e.g. the skin's unknown-field check). */
export function argTypeError(message: string): TypeError {
  const err = new TypeError(message) as TypeError & { code: string };
  err.code = 'ERR_INVALID_ARG_TYPE';
  return err;
}

/** Node's ERR_OUT_OF_RANGE RangeError, worded by Node's rules (node-error-texts.ts). */
export function outOfRange(name: string, range: string, actual: number | bigint): RangeError {
  const err = new RangeError(outOfRangeMessage(name, range, actual)) as RangeError & { code: string };
  err.code = 'ERR_OUT_OF_RANGE';
  return err;
}

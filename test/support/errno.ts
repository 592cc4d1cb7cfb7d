/**
 * The one errno catcher the tests share. A call through the Process skin either returns or
 * throws an error that carries a string `code`: an errno name from a SystemError ('EINVAL'),
 * 'SIGSEGV' for a fault, or Node's 'ERR_INVALID_ARG_TYPE' for a JS value of the wrong type.
 */
import { expect } from 'vitest';

/** What errnoOf reports for a call that returned instead of throwing. */
export const OK = 'ok';

/**
 * Run `fn` and name its outcome: OK if it returned, else the thrown error's `code`.
 * An error without a string `code` is a bug in the simulator or the test, not an errno,
 * so it is thrown on rather than turned into a value an assertion might accept.
 */
export function errnoOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    if (typeof code === 'string') return code;
    throw e;
  }
  return OK;
}

/** Assert that `fn` throws, with `code`; the failure message carries the error's own text. */
export function expectErrno(fn: () => unknown, code: string): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, `expected ${code}`).toBeDefined();
  expect((err as { code?: string }).code, (err as Error).message).toBe(code);
}

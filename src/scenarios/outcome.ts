/**
 * What one scenario call produced — a value, an errno, or a signal — and its one-line text.
 * `attempt` turns the process skin's throws (SystemError, SignalError, a Node-style
 * TypeError or RangeError) into an Outcome; anything else is a bug and propagates.
 */
import { SignalError, SystemError } from '../base/errors.js';
import { hex, hexBytes } from './values.js';

export type Outcome = { kind: 'ok'; value: unknown } | { kind: 'errno'; code: string; why: string } | { kind: 'signal'; signal: string; why: string };

export function attempt(fn: () => unknown): Outcome {
  try {
    return { kind: 'ok', value: fn() };
  } catch (e) {
    if (e instanceof SystemError) return { kind: 'errno', code: e.code, why: e.info?.why ?? '' };
    if (e instanceof SignalError) return { kind: 'signal', signal: e.signal, why: e.message };
    if (isArgError(e)) return { kind: 'errno', code: e.name, why: e.message };
    throw e;
  }
}

/**
 * The skin's (and Host's) refusal of a JS argument, as Node's own APIs refuse one: TypeError
 * ERR_INVALID_ARG_TYPE for a wrong type, RangeError ERR_OUT_OF_RANGE for a number out of range.
 */
export function isArgError(e: unknown): e is TypeError | RangeError {
  const code = (e as { code?: unknown } | null)?.code;
  return (e instanceof TypeError && code === 'ERR_INVALID_ARG_TYPE') || (e instanceof RangeError && code === 'ERR_OUT_OF_RANGE');
}

export function outcomeText(o: Outcome): string {
  if (o.kind === 'errno') return `-${o.code}`;
  if (o.kind === 'signal') return o.signal;
  const v = o.value;
  if (v === undefined) return 'ok';
  if (typeof v === 'bigint') return hex(v);
  if (v instanceof Uint8Array) return `[${hexBytes(v)}]`;
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  return String(v);
}

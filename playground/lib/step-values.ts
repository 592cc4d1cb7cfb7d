/**
 * A scenario step as written, with its values worked out: `addr: $bar + 0x80 = 0x7effffef0080`,
 * and an ioctl's `arg` converted to the struct the call receives (C field names, numbers).
 * Values come from the run's variables after the step, which is when the details are shown.
 */
import { convertArg, evalFlags, evalValue, resolveRequest, type Step, type Vars } from '../../src/scenarios/index.js';
import { flatten, showValue } from './entry-fields.js';

const VALUE_FIELDS = new Set(['addr', 'length', 'offset', 'u64', 'value', 'ns', 'pa', 'count', 'rlimitMemlock', 'fd', 'initval']);
const FLAG_FIELDS = new Set(['flags', 'prot']);
const SKIP = new Set(['op', 'note', 'expect', 'arg', 'capture']);

function worked(key: string, raw: unknown, vars: Vars): string {
  try {
    if (FLAG_FIELDS.has(key) && (Array.isArray(raw) || typeof raw === 'string')) {
      const v = evalFlags(raw as Parameters<typeof evalFlags>[0], vars);
      return `${Array.isArray(raw) ? raw.join(' | ') : raw} = ${showValue(v)}`;
    }
    if (VALUE_FIELDS.has(key) && typeof raw === 'string') return `${raw} = ${showValue(evalValue(raw, vars))}`;
  } catch {
    // a variable the run never set (its step failed): show the expression as written
  }
  return showValue(raw);
}

/** Rows of [field, value] for what the step asks, ioctl arguments as the struct passed. */
export function stepValues(step: Step, vars: Vars): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(step)) {
    if (SKIP.has(k) || v === undefined) continue;
    if (typeof v === 'object' && v !== null && !FLAG_FIELDS.has(k)) flatten(v, k, rows);
    else rows.push([k, worked(k, v, vars)]);
  }
  if (step.op === 'ioctl' && step.arg !== undefined) {
    const req = resolveRequest(step.request);
    let arg: unknown = step.arg;
    try {
      if (req !== undefined) arg = convertArg(req, step.arg, vars);
    } catch {
      // not convertible now (a failed earlier step): the arg as written
    }
    if (typeof arg === 'object' && arg !== null) flatten(arg, 'arg', rows);
    else rows.push(['arg', typeof step.arg === 'string' && arg !== step.arg ? `${step.arg} = ${showValue(arg)}` : showValue(arg)]);
  }
  return rows;
}

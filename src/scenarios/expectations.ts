/**
 * Checking a step's outcome against what the scenario expects: the errno or signal, the
 * result value, written-back ioctl fields, and the IOMMU fault log. Every check returns
 * messages (empty = as expected) and never throws for a mismatch.
 */
import type { Host } from '../host/host.js';
import { outcomeText, type Outcome } from './outcome.js';
import type { ExpectInput, Step } from './schema.js';
import { evalValue, fromLe, hex, type Vars } from './values.js';

export function compareValue(got: unknown, want: ExpectInput['result'] | null, vars: Vars, what: string): string | null {
  if (want === null) return got === undefined || got === null ? null : `${what} is ${String(got)}, expected nothing`;
  if (typeof want === 'boolean') return got === want ? null : `${what} is ${String(got)}, expected ${want}`;
  if (typeof got === 'string') return typeof want === 'string' && got.trimEnd() === want.trimEnd() ? null : `${what} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`;
  const g = typeof got === 'bigint' || typeof got === 'number' ? BigInt(got) : got instanceof Uint8Array ? fromLe(got) : undefined;
  const w = evalValue(want!, vars);
  if (g === undefined) return `${what} is ${String(got)}, expected ${hex(w)}`;
  return g === w ? null : `${what} is ${hex(g)} (${g}), expected ${hex(w)} (${w})`;
}

export function checkOutcome(o: Outcome, expect: ExpectInput | undefined, vars: Vars): string[] {
  if (expect?.signal !== undefined) return o.kind === 'signal' && o.signal === expect.signal ? [] : [`expected ${expect.signal}, got ${outcomeText(o)}`];
  const wantErr = expect?.errno !== undefined && expect.errno !== 'ok' ? expect.errno : null;
  if (wantErr !== null) return o.kind === 'errno' && o.code === wantErr ? [] : [`expected ${wantErr}, got ${outcomeText(o)}`];
  if (o.kind !== 'ok') return [`failed with ${outcomeText(o)}${o.why ? ` (${o.why})` : ''}`];
  const m: string[] = [];
  if (expect?.result !== undefined) {
    const r = compareValue(o.value, expect.result, vars, 'result');
    if (r !== null) m.push(r);
  }
  if (expect?.contains !== undefined && !(typeof o.value === 'string' && o.value.includes(expect.contains))) m.push(`result does not contain ${JSON.stringify(expect.contains)}`);
  return m;
}

export function checkFaults(h: Host, step: Extract<Step, { op: 'expect-faults' }>, vars: Vars): string[] {
  const faults = h.faults();
  const m: string[] = [];
  if (step.count !== undefined && faults.length !== step.count) m.push(`${faults.length} IOMMU faults recorded, expected ${step.count}`);
  (step.entries ?? []).forEach((want, i) => {
    const f = faults[i];
    if (f === undefined) return void m.push(`fault ${i}: none recorded`);
    if (want.source !== undefined && f.source !== want.source) m.push(`fault ${i}: source ${f.source}, expected ${want.source}`);
    if (want.iova !== undefined && f.iova !== evalValue(want.iova, vars)) m.push(`fault ${i}: iova ${hex(f.iova)}, expected ${hex(evalValue(want.iova, vars))}`);
    if (want.access !== undefined && f.access !== want.access) m.push(`fault ${i}: ${f.access}, expected ${want.access}`);
    if (want.reason !== undefined && !f.reason.includes(want.reason)) m.push(`fault ${i}: reason "${f.reason}" lacks "${want.reason}"`);
  });
  return m;
}

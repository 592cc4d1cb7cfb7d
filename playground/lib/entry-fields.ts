/**
 * What a trace entry carries besides its line of text (values, widths, struct fields —
 * whatever the trace records), flattened into `path: value` rows for the step details.
 * Unknown shapes are shown generically, so a new field appears without a change here.
 */
import type { TraceEntry } from '../../src/base/trace.js';

const LINE_FIELDS = new Set(['time', 'kind', 'who', 'text']);

/** A value as a driver author reads it: integers in hex past 9, bytes as hex, strings quoted. */
export function showValue(v: unknown): string {
  if (typeof v === 'bigint') return v >= 0n && v <= 9n ? String(v) : `0x${v.toString(16)}`;
  if (typeof v === 'number') return Number.isInteger(v) && v > 9 ? `${v} (0x${v.toString(16)})` : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Uint8Array) return Array.from(v.slice(0, 64), (b) => b.toString(16).padStart(2, '0')).join(' ') + (v.length > 64 ? ` … (${v.length} bytes)` : '');
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'object') return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `0x${x.toString(16)}` : x));
  return String(v);
}

/** Rows of [path, value] for every leaf below `v` (arrays by index, objects by key). */
export function flatten(v: unknown, path = '', rows: Array<[string, string]> = [], depth = 0): Array<[string, string]> {
  const leaf = v === null || typeof v !== 'object' || v instanceof Uint8Array || depth > 4;
  if (leaf) {
    rows.push([path, showValue(v)]);
    return rows;
  }
  const entries = Array.isArray(v) ? v.map((x, i) => [`[${i}]`, x] as const) : Object.entries(v as Record<string, unknown>).map(([k, x]) => [path === '' ? k : `.${k}`, x] as const);
  if (entries.length === 0) rows.push([path, Array.isArray(v) ? '[]' : '{}']);
  for (const [k, x] of entries) flatten(x, `${path}${k}`, rows, depth + 1);
  return rows;
}

/**
 * The trace's own value shape (a call's arguments, strace-like): a pre-formatted string, a
 * struct `{ struct, fields: [{ name, value }] }`, or a list of values. Rows per leaf field.
 */
function traceValueRows(v: unknown, path: string, rows: Array<[string, string]>, depth = 0): void {
  if (typeof v === 'string' || depth > 6) rows.push([path, typeof v === 'string' ? v : showValue(v)]);
  else if (Array.isArray(v)) {
    if (v.length === 0) rows.push([path, '[]']);
    v.forEach((x, i) => traceValueRows(x, `${path}[${i}]`, rows, depth + 1));
  } else if (typeof v === 'object' && v !== null && Array.isArray((v as { fields?: unknown }).fields)) {
    const s = v as { struct?: string; fields: Array<{ name: string; value: unknown }> };
    if (s.fields.length === 0) rows.push([path, `struct ${s.struct ?? ''} {}`]);
    for (const f of s.fields) traceValueRows(f.value, `${path}.${f.name}`, rows, depth + 1);
  } else rows.push([path, showValue(v)]);
}

/** A syscall's detail: its arguments (struct fields one per row), what it returned, what it wrote back. */
function callRows(d: Record<string, unknown>): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  for (const a of (d['args'] as Array<{ name: string; value: unknown }> | undefined) ?? []) traceValueRows(a.value, a.name, rows);
  rows.push(['returned', `${String(d['ret'])}${d['errno'] !== undefined ? ` ${String(d['errno'])}` : ''}`]);
  if (d['why'] !== undefined) rows.push(['why', String(d['why'])]);
  if (d['out'] !== undefined) traceValueRows(d['out'], '=> (written back)', rows);
  return rows;
}

/** A CPU load or store: width, where, the value. */
function accessRows(d: Record<string, unknown>): Array<[string, string]> {
  const rows: Array<[string, string]> = [[String(d['type']), `${String(d['bytes'])} byte(s) at ${String(d['target'] ?? '')}`]];
  if (typeof d['addr'] === 'bigint') rows.push(['address', showValue(d['addr'])]);
  if (d['value'] !== undefined) rows.push(['value', showValue(d['value'])]);
  if (d['signal'] !== undefined) rows.push(['signal', String(d['signal'])]);
  return rows;
}

/** The entry's structured fields (all but time, kind, who and text) as rows. */
export function entryFields(e: TraceEntry): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(e as unknown as Record<string, unknown>)) {
    if (LINE_FIELDS.has(k) || v === undefined) continue;
    const type = typeof v === 'object' && v !== null ? (v as { type?: unknown }).type : undefined;
    if (k === 'detail' && type === 'call') rows.push(...callRows(v as Record<string, unknown>));
    else if (k === 'detail' && (type === 'load' || type === 'store')) rows.push(...accessRows(v as Record<string, unknown>));
    else flatten(v, k, rows);
  }
  return rows;
}

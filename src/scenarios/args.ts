/**
 * Turning a scenario's ioctl step into the call a C driver makes: the request named as in
 * Linux ("VFIO_IOMMU_MAP_DMA") resolves to its x86-64 number through src/uapi, and the JSON
 * argument becomes the plain object of contract §6 — every u64/s64 field a bigint, every
 * smaller integer a number — by walking the struct's layout table, so no field kind is
 * typed twice. A key the struct lacks is an error naming its path, the struct and its fields
 * (a typo would otherwise be a silently zero field), by the same rule as the syscall skin's
 * (uapi/arg-fields.ts: the C fields, `__trailing`, `caps`, a byte array's payload struct). The
 * walk reports every problem of an argument in one pass, never only the first.
 */
import { BYTE_PAYLOADS, describeUnknownField, extraArgFields } from '../uapi/arg-fields.js';
import { vfioDeviceFeature } from '../uapi/features.js';
import { IOMMUFD_IOCTLS, VFIO_IOCTLS, structLayout, isScalarKind, type StructField, type StructLayout } from '../uapi/index.js';
import { STRUCT_REFS } from '../uapi/struct_refs.js';
import { VFIO_DEVICE_FEATURE_MASK } from '../uapi/vfio.js';
import { checkValue, evalValue, toNumber, ValueError, type Vars } from './values.js';
import type { ValueInput } from './schema.js';

export interface ResolvedRequest {
  readonly name: string;
  readonly request: number;
  /** How the argument is passed. */
  readonly arg: 'none' | 'value' | 'int-ptr' | 'string' | 'struct';
  readonly struct: string | null;
}

/**
 * The request by its Linux name ("VFIO_GET_API_VERSION") or by its number (0x3b64, or the
 * string "0x3b64"), or undefined for a name vfio-sim does not know. A number no table
 * holds is still a request (the kernel answers it, ENOTTY as a rule): its argument can
 * only be a plain value.
 */
export function resolveRequest(ref: string | number): ResolvedRequest | undefined {
  const num = typeof ref === 'number' ? ref : /^(0x[0-9a-fA-F]+|\d+)$/.test(ref) ? Number(ref) : undefined;
  if (num !== undefined && !(Number.isInteger(num) && num >= 0 && num <= 0xffffffff)) return undefined;
  const v = VFIO_IOCTLS.find((c) => (num === undefined ? c.name === ref : c.request === num));
  if (v !== undefined) return { name: v.name, request: v.request, arg: v.arg, struct: v.struct };
  const i = IOMMUFD_IOCTLS.find((c) => (num === undefined ? c.name === ref : c.request === num));
  if (i !== undefined) return { name: i.name, request: i.request, arg: 'struct', struct: i.struct };
  return num === undefined ? undefined : { name: `0x${num.toString(16)}`, request: num, arg: 'value', struct: null };
}

/** How values are read: at run time from the variables, or checked before the run (null: known later). */
type Eval = (x: ValueInput) => bigint | null;

/** One problem of an argument: its path from `arg` and what was expected. */
export interface ArgIssue {
  readonly path: string;
  readonly message: string;
}

/** The walk's state: how values are read, and where every problem goes (the walk never stops at one). */
interface Walk {
  readonly ev: Eval;
  readonly issues: ArgIssue[];
}

function problem(w: Walk, path: string, message: string): undefined {
  w.issues.push({ path, message });
  return undefined;
}

function isValueInput(x: unknown): x is ValueInput {
  return typeof x === 'number' || typeof x === 'string' || (typeof x === 'object' && x !== null && 'var' in x);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function scalar(kind: string, x: unknown, path: string, w: Walk): bigint | number | boolean | null | undefined {
  if (typeof x === 'boolean') return x;
  const v = Array.isArray(x) ? flagList(x, path, w) : valueAt(x, path, w);
  return kind === 'u64' || kind === 's64' ? v : narrow(v, path, w);
}

/** A value that must fit a JS number (a field below 64 bits, an fd). */
function narrow(v: bigint | null | undefined, path: string, w: Walk): number | null | undefined {
  if (v === null || v === undefined) return v;
  try {
    return toNumber(v, path);
  } catch (e) {
    if (!(e instanceof ValueError)) throw e;
    return problem(w, path, `0x${v.toString(16)} does not fit a number`);
  }
}

/** One value of a field; an unknown name or bad expression is reported at the field's path. */
function valueAt(x: unknown, path: string, w: Walk): bigint | null | undefined {
  if (!isValueInput(x)) return problem(w, path, 'expected a number, an expression string, or a list of flags OR-ed together');
  try {
    return w.ev(x);
  } catch (e) {
    if (!(e instanceof ValueError)) throw e;
    return problem(w, path, e.message.startsWith(`${path}: `) ? e.message.slice(path.length + 2) : e.message);
  }
}

/** A flag list in a field (`"flags": ["VFIO_DMA_MAP_FLAG_READ", "VFIO_DMA_MAP_FLAG_WRITE"]`): OR-ed, each checked at its index. */
function flagList(x: unknown[], path: string, w: Walk): bigint | null | undefined {
  let acc: bigint | null | undefined = 0n;
  x.forEach((e, i) => {
    const v = valueAt(e, `${path}[${i}]`, w);
    acc = acc === undefined || v === undefined ? undefined : acc === null || v === null ? null : acc | v;
  });
  return acc;
}

function element(type: string, x: unknown, path: string, w: Walk): unknown {
  if (isScalarKind(type)) return scalar(type, x, path, w);
  const s = structLayout(type);
  if (s === undefined) return problem(w, path, `no layout for struct ${type}`);
  return structWith(s, x, path, w);
}

/** A pointer field given as an array of records (iommufd's allowed_iovas): u64 fields, or the element struct's. */
function pointedArray(layout: StructLayout, f: StructField, x: unknown[], path: string, w: Walk): unknown[] {
  const ref = STRUCT_REFS[layout.name]?.find((r) => r.kind === 'array' && r.ptr === f.name);
  const elem = ref?.kind === 'array' ? structLayout(ref.elem) : undefined;
  return x.map((e, i) => {
    if (!isRecord(e)) return problem(w, `${path}[${i}]`, 'expected an object');
    if (elem !== undefined) return structWith(elem, e, `${path}[${i}]`, w);
    return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, scalar('u64', v, `${path}[${i}].${k}`, w)]));
  });
}

/** The struct a byte array member holds, when the tables say (BYTE_PAYLOADS, or the feature in flags). */
function payloadStruct(layout: StructLayout, field: string, flags: unknown): StructLayout | undefined {
  const p = (BYTE_PAYLOADS as Readonly<Record<string, { field: string; struct: string }>>)[layout.name];
  if (p !== undefined && p.field === field) return structLayout(p.struct);
  const isFeature = STRUCT_REFS[layout.name]?.some((r) => r.kind === 'feature-payload' && r.field === field);
  if (!isFeature || typeof flags !== 'number') return undefined;
  const s = vfioDeviceFeature(flags & VFIO_DEVICE_FEATURE_MASK)?.struct;
  return s ? structLayout(s) : undefined;
}

function field(layout: StructLayout, f: StructField, x: unknown, path: string, w: Walk, flags: unknown): unknown {
  switch (f.kind) {
    case 'array':
    case 'flex': {
      const payload = f.kind === 'flex' && isRecord(x) ? payloadStruct(layout, f.name, flags) : undefined;
      if (payload !== undefined) return structWith(payload, x, path, w);
      if (!Array.isArray(x)) return problem(w, path, f.kind === 'flex' && isRecord(x) ? `expected an array (struct ${layout.name}'s ${f.name}[] holds no struct here)` : 'expected an array');
      return x.map((e, i) => element(f.type ?? 'u8', e, `${path}[${i}]`, w));
    }
    case 'struct':
      return element(f.type ?? '', x, path, w);
    default:
      if (f.pointer && Array.isArray(x)) return pointedArray(layout, f, x, path, w);
      return scalar(f.kind, x, path, w);
  }
}

/** The fields a key names: the struct's own, then those uaccess adds (arg-fields.ts). */
function fieldFor(layout: StructLayout, key: string): { layout: StructLayout; f: StructField } | 'trailing' | 'caps' | undefined {
  const own = layout.fields.find((g) => g.name === key);
  if (own !== undefined) return { layout, f: own };
  if (!extraArgFields(layout.name).includes(key)) return undefined;
  if (key === '__trailing') return 'trailing';
  if (key === 'caps') return 'caps';
  const p = (BYTE_PAYLOADS as Readonly<Record<string, { struct: string; alias: string | null }>>)[layout.name]!;
  const inner = structLayout(p.struct)!;
  if (key === p.alias) return { layout, f: { name: key, offset: 0, size: inner.sizeof, kind: 'struct', type: inner.name } };
  return { layout: inner, f: inner.fields.find((g) => g.name === key)! };
}

function structWith(layout: StructLayout, x: unknown, path: string, w: Walk): Record<string, unknown> | undefined {
  if (!isRecord(x)) return problem(w, path, `expected an object with the fields of struct ${layout.name}`);
  const out: Record<string, unknown> = {};
  // A feature's payload struct follows from flags: read it first (unknown until the run: null).
  const flagsField = layout.fields.find((g) => g.name === 'flags');
  const flags = flagsField !== undefined && x['flags'] !== undefined ? scalar(flagsField.kind, x['flags'], `${path}.flags`, { ev: w.ev, issues: [] }) : undefined;
  for (const [k, v] of Object.entries(x)) {
    const at = `${path}.${k}`;
    const hit = fieldFor(layout, k);
    if (hit === undefined) problem(w, at, describeUnknownField({ path: at, struct: layout.name, field: k, fields: layout.fields.map((g) => g.name) }).slice(at.length + 2));
    else if (hit === 'trailing') out[k] = Array.isArray(v) ? v.map((e, i) => scalar('u8', e, `${at}[${i}]`, w)) : problem(w, at, 'expected an array of byte values');
    else if (hit === 'caps') out[k] = v;
    else out[k] = field(hit.layout, hit.f, v, at, w, flags);
  }
  return out;
}

function argWith(req: ResolvedRequest, x: unknown, w: Walk): unknown {
  if (x === undefined) return undefined;
  switch (req.arg) {
    case 'none':
      return x;
    case 'string':
      if (typeof x !== 'string') return problem(w, 'arg', 'expected the device name string');
      return x;
    case 'value':
    case 'int-ptr': {
      if (!isValueInput(x)) return problem(w, 'arg', `expected a number, an fd name or an expression${req.struct === null && !/^[A-Z]/.test(req.name) ? ` (request ${req.name} is not one vfio-sim knows, so it takes no struct)` : ''}`);
      return narrow(valueAt(x, 'arg', w), 'arg', w);
    }
    case 'struct': {
      const s = req.struct === null ? undefined : structLayout(req.struct);
      if (s === undefined) return x;
      return structWith(s, x, 'arg', w);
    }
  }
}

/**
 * The JS argument for a request. Omitted stays undefined (a NULL pointer: the kernel's
 * EFAULT). fd-valued arguments may name a variable ("container"). Every problem is named
 * in one ValueError (`arg.vadr: struct … has no field vadr (…); arg.size: …`).
 */
export function convertArg(req: ResolvedRequest, x: unknown, vars: Vars): unknown {
  const w: Walk = { ev: (v) => evalValue(v, vars), issues: [] };
  const arg = argWith(req, x, w);
  if (w.issues.length > 0) throw new ValueError(w.issues.map((i) => `${i.path}: ${i.message}`).join('; '));
  return arg;
}

/** Check an argument before the run: its shape, field names and values — every problem, each at its path. */
export function checkArg(req: ResolvedRequest, x: unknown, known: ReadonlySet<string>): ArgIssue[] {
  const w: Walk = { ev: (v) => checkValue(v, known), issues: [] };
  argWith(req, x, w);
  return w.issues;
}

/** `caps[0].id` → the value at that path of an object. */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.match(/[^.[\]]+/g) ?? []) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

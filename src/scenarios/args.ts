/**
 * Turning a scenario's ioctl step into the call a C driver makes: the request named as in
 * Linux ("VFIO_IOMMU_MAP_DMA") resolves to its x86-64 number through src/uapi, and the JSON
 * argument becomes the plain object of contract §6 — every u64/s64 field a bigint, every
 * smaller integer a number — by walking the struct's layout table, so no field kind is
 * typed twice. Unknown fields are an error naming their path (a typo would otherwise be a
 * silently zero field).
 */
import { IOMMUFD_IOCTLS, VFIO_IOCTLS, structLayout, isScalarKind, type StructField, type StructLayout } from '../uapi/index.js';
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

function isValueInput(x: unknown): x is ValueInput {
  return typeof x === 'number' || typeof x === 'string' || (typeof x === 'object' && x !== null && 'var' in x);
}

function scalar(kind: string, x: unknown, path: string, ev: Eval): bigint | number | boolean | null {
  if (typeof x === 'boolean') return x;
  const v = Array.isArray(x) ? flagList(x, path, ev) : valueAt(x, path, ev);
  return v === null || kind === 'u64' || kind === 's64' ? v : toNumber(v, path);
}

/** One value of a field; an unknown name or bad expression is reported at the field's path. */
function valueAt(x: unknown, path: string, ev: Eval): bigint | null {
  if (!isValueInput(x)) throw new ValueError(`${path}: expected a number, an expression string, or a list of flags OR-ed together`);
  try {
    return ev(x);
  } catch (e) {
    if (e instanceof ValueError && !e.message.startsWith(path)) throw new ValueError(`${path}: ${e.message}`);
    throw e;
  }
}

/** A flag list in a field (`"flags": ["VFIO_DMA_MAP_FLAG_READ", "VFIO_DMA_MAP_FLAG_WRITE"]`): OR-ed, each checked at its index. */
function flagList(x: unknown[], path: string, ev: Eval): bigint | null {
  let acc: bigint | null = 0n;
  x.forEach((e, i) => {
    const v = valueAt(e, `${path}[${i}]`, ev);
    acc = acc === null || v === null ? null : acc | v;
  });
  return acc;
}

function element(type: string, x: unknown, path: string, ev: Eval): unknown {
  if (isScalarKind(type)) return scalar(type, x, path, ev);
  const s = structLayout(type);
  if (s === undefined) throw new ValueError(`${path}: no layout for struct ${type}`);
  return structWith(s, x, path, ev);
}

/** A pointer field given as an array of records (iommufd's allowed_iovas): u64 fields. */
function pointedArray(x: unknown[], path: string, ev: Eval): unknown[] {
  return x.map((e, i) => {
    if (typeof e !== 'object' || e === null || Array.isArray(e)) throw new ValueError(`${path}[${i}]: expected an object`);
    return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, scalar('u64', v, `${path}[${i}].${k}`, ev)]));
  });
}

function field(f: StructField, x: unknown, path: string, ev: Eval): unknown {
  switch (f.kind) {
    case 'array':
    case 'flex': {
      if (!Array.isArray(x)) throw new ValueError(`${path}: expected an array`);
      return x.map((e, i) => element(f.type ?? 'u8', e, `${path}[${i}]`, ev));
    }
    case 'struct':
      return element(f.type ?? '', x, path, ev);
    default:
      if (f.pointer && Array.isArray(x)) return pointedArray(x, path, ev);
      return scalar(f.kind, x, path, ev);
  }
}

function structWith(layout: StructLayout, x: unknown, path: string, ev: Eval): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new ValueError(`${path}: expected an object with the fields of struct ${layout.name}`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) {
    const f = layout.fields.find((g) => g.name === k);
    if (f === undefined) throw new ValueError(`${path}.${k}: struct ${layout.name} has no field ${k} (fields: ${layout.fields.map((g) => g.name).join(', ')})`);
    out[k] = field(f, v, `${path}.${k}`, ev);
  }
  return out;
}

/** A JSON object → the ioctl argument object for `layout`. */
export function convertStruct(layout: StructLayout, x: unknown, path: string, vars: Vars): Record<string, unknown> {
  return structWith(layout, x, path, (v) => evalValue(v, vars));
}

function argWith(req: ResolvedRequest, x: unknown, ev: Eval): unknown {
  if (x === undefined) return undefined;
  switch (req.arg) {
    case 'none':
      return x;
    case 'string':
      if (typeof x !== 'string') throw new ValueError('arg: expected the device name string');
      return x;
    case 'value':
    case 'int-ptr': {
      if (!isValueInput(x)) throw new ValueError(`arg: expected a number, an fd name or an expression${req.struct === null && !/^[A-Z]/.test(req.name) ? ` (request ${req.name} is not one vfio-sim knows, so it takes no struct)` : ''}`);
      const v = ev(x);
      return v === null ? null : toNumber(v, 'arg');
    }
    case 'struct': {
      const s = req.struct === null ? undefined : structLayout(req.struct);
      if (s === undefined) return x;
      return structWith(s, x, 'arg', ev);
    }
  }
}

/**
 * The JS argument for a request. Omitted stays undefined (a NULL pointer: the kernel's
 * EFAULT). fd-valued arguments may name a variable ("container").
 */
export function convertArg(req: ResolvedRequest, x: unknown, vars: Vars): unknown {
  return argWith(req, x, (v) => evalValue(v, vars));
}

/** Check an argument before the run: its shape, field names and values (ValueError naming the field). */
export function checkArg(req: ResolvedRequest, x: unknown, known: ReadonlySet<string>): void {
  argWith(req, x, (v) => checkValue(v, known));
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

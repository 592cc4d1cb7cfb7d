/**
 * copy_from_user / copy_to_user for ioctl arguments: the one reader every ioctl handler of
 * every fd kind (container, group, device, migration, iommufd) uses, driven by the uapi
 * struct layouts (uapi/structs*.ts), so a field is read with its C type and offset.
 *
 * The argument is a plain JS object whose fields carry the C names (contract §6). Rules
 * (docs/ioctl-arguments.md):
 *  - `undefined`/`null`/`0`/`0n` as the whole argument is a NULL pointer: EFAULT.
 *  - any other non-object is a JS type error (TypeError ERR_INVALID_ARG_TYPE).
 *  - an integer field is a number (u8/u16/u32/s32) or a bigint (u64/s64); omitted means 0.
 *    A value of the wrong JS type is a TypeError; a number that is not an integer, or one
 *    that no C integer of the field's width holds — outside [-2^(n-1), 2^n) — is a RangeError
 *    ERR_OUT_OF_RANGE (contract §3: "a number outside what the parameter can hold"). Inside
 *    that range it is stored with C's conversion (`flags: ~0` is 0xffffffff).
 *  - bytes at or past the copied length read as zero, whatever the object holds; a JS value
 *    is still checked there, as a C compiler checks every initialiser.
 *  - `arg.__trailing` (array of byte values, element 0 at offset sizeof) models the bytes a
 *    newer user space sends past the kernel's sizeof: non-zero inside `size` is E2BIG.
 *  - a write-back lands only in fields inside the copied length; a field cut by it keeps
 *    its high bytes.
 */
import { fail, failRange, failType, ok, type Failure, type Result } from '../base/result.js';
import { U64_MAX } from '../base/u64.js';
import { structLayout, type StructField, type StructLayout, type StructName } from '../uapi/structs.js';

export type FieldValue = number | bigint | number[];
export type Fields = Record<string, FieldValue>;
export type UserArg = Record<string, unknown>;

/** The argument object, or EFAULT for a NULL pointer, or a type error. */
export function userArg(arg: unknown, name = 'arg'): Result<UserArg> {
  return notUserArg(arg, name) ?? ok(arg as UserArg);
}

/** Why `arg` is no argument object (EFAULT for NULL, a type error), or null when it is one. */
export function notUserArg(arg: unknown, name = 'arg'): Failure | null {
  if (arg === undefined || arg === null || arg === 0 || arg === 0n) return fail('EFAULT', 'copy_from_user: NULL argument');
  if (typeof arg !== 'object' || Array.isArray(arg)) return failType(name, 'of type object', arg);
  return null;
}

function layoutOf(struct: StructName): StructLayout {
  const l = structLayout(struct);
  if (l === undefined) throw new Error(`uaccess: no layout for ${struct}`);
  return l;
}

/** A C integer field's bounds: values in [0, fastHi) are stored as given, no conversion. */
interface IntBounds {
  readonly bits: number;
  readonly signed: boolean;
  readonly fastHi: number;
}

/** A JS number as a C integer of `bits` (signed if `signed`): type, integer and range checked. */
export function cInt(name: string, v: unknown, bits: number, signed = false): Result<number> {
  if (v === undefined) return ok(0);
  if (typeof v !== 'number') return failType(name, 'of type number', v);
  if (!Number.isInteger(v)) return failRange(name, 'an integer', v);
  const lo = -(2 ** (bits - 1));
  const hi = 2 ** bits;
  if (v < lo || v >= hi) return failRange(name, `>= ${lo} and <= ${hi - 1}`, v);
  const u = v < 0 ? v + hi : v;
  return ok(signed && u >= 2 ** (bits - 1) ? u - hi : u);
}

/** A JS bigint as a __u64 / __s64 (stored unsigned). */
export function cU64(name: string, v: unknown): Result<bigint> {
  if (v === undefined) return ok(0n);
  if (typeof v !== 'bigint') return failType(name, 'of type bigint', v);
  if (v < -(1n << 63n) || v > U64_MAX) return failRange(name, `>= -(2n ** 63n) and <= 2n ** 64n - 1n`, v);
  return ok(BigInt.asUintN(64, v));
}

/**
 * A pointer field: null/undefined/0 is NULL (0n); a bigint is itself; an array, typed array
 * or object stands for user memory that holds it (1n, "some valid address").
 */
function cPointer(name: string, v: unknown): Result<bigint> {
  if (v === undefined || v === null || v === 0 || v === 0n) return ok(0n);
  if (typeof v === 'bigint') return cU64(name, v);
  if (typeof v === 'object') return ok(1n);
  return failType(name, 'an array, object or bigint (a user pointer)', v);
}

/** Keep only the low `bytes` bytes of a field value (the part inside the copied length). */
function truncate(v: number | bigint, bytes: number, signed: boolean, bits: number): number | bigint {
  if (typeof v === 'bigint') return v & ((1n << BigInt(bytes * 8)) - 1n);
  const mask = 2 ** (bytes * 8);
  const u = (v < 0 ? v + 2 ** bits : v) % mask;
  return signed && bytes * 8 === bits && u >= 2 ** (bits - 1) ? u - 2 ** bits : u;
}

/** How one decoded field is read; the layout walked once (structReader) into these. */
type FieldPlan =
  | { readonly code: 'int'; readonly f: StructField; readonly int: IntBounds }
  | { readonly code: 'u64' | 'ptr'; readonly f: StructField }
  | { readonly code: 'array'; readonly f: StructField; readonly int: IntBounds; readonly count: number };

/**
 * A struct's reader: its decoded fields (union members after the first, nested structs and
 * flexible arrays are left to the handler) with their C widths, worked out once. A dispatch
 * table row holds one (made when the table is built), so a call walks no layout and
 * validates nothing but the user's values.
 */
export interface StructReader {
  readonly struct: StructName;
  readonly sizeof: number;
  readonly plan: readonly FieldPlan[];
  /**
   * The common copy as straight-line code (compiled.ts), or null where the plan has an array
   * or the environment forbids compiling: every field omitted or an in-range integer, the
   * copy covering every field and stopping at sizeof. Anything else returns null and takes
   * the general path below, which is the definition; a property test holds the two equal.
   */
  readonly fast: ((obj: UserArg) => Fields | null) | null;
  /** The fast copy applies when the copied length is in [fastFrom, sizeof]: every decoded field inside. */
  readonly fastFrom: number;
}

function intBounds(bits: number, signed: boolean): IntBounds {
  return { bits, signed, fastHi: 2 ** (signed ? bits - 1 : bits) };
}

export function structReader(struct: StructName): StructReader {
  const l = layoutOf(struct);
  const plan: FieldPlan[] = [];
  for (const f of l.fields) {
    if (f.union || f.kind === 'flex' || f.kind === 'struct') continue;
    if (f.kind === 'array') {
      const count = f.count ?? 0;
      plan.push({ code: 'array', f, count, int: intBounds((f.size / Math.max(count, 1)) * 8, false) });
    } else if (f.pointer) plan.push({ code: 'ptr', f });
    else if (f.kind === 'u64' || f.kind === 's64') plan.push({ code: 'u64', f });
    else plan.push({ code: 'int', f, int: intBounds(f.size * 8, f.kind === 's32') });
  }
  let fastFrom = 0;
  for (const p of plan) fastFrom = Math.max(fastFrom, p.f.offset + p.f.size);
  return { struct, sizeof: l.sizeof, plan, fast: compileCopy(plan), fastFrom };
}

/** An integer field: the common in-range number without a Result, the rest through cInt. */
function readInt(v: unknown, b: IntBounds, prefix: string, field: string): Result<number> | number {
  if (typeof v === 'number' && v >= 0 && v < b.fastHi && Number.isInteger(v)) return v;
  if (v === undefined) return 0;
  return cInt(`${prefix}.${field}`, v, b.bits, b.signed);
}

/** A __u64 (or pointer) field: the common in-range bigint without a Result, the rest through cU64/cPointer. */
function readU64(v: unknown, pointer: boolean, prefix: string, field: string): Result<bigint> | bigint {
  if (typeof v === 'bigint' && v >= 0n && v <= U64_MAX) return v;
  if (v === undefined) return 0n;
  return pointer ? cPointer(`${prefix}.${field}`, v) : cU64(`${prefix}.${field}`, v);
}

function readArray(obj: UserArg, p: FieldPlan & { code: 'array' }, prefix: string): Result<number[]> {
  const raw = obj[p.f.name];
  const out = new Array<number>(p.count).fill(0);
  if (raw === undefined) return ok(out);
  if (!Array.isArray(raw) && !(raw instanceof Uint8Array)) return failType(`${prefix}.${p.f.name}`, 'an array of numbers', raw);
  for (let i = 0; i < p.count && i < raw.length; i++) {
    const r = cInt(`${prefix}.${p.f.name}[${i}]`, raw[i], p.int.bits);
    if (!r.ok) return r;
    out[i] = r.value;
  }
  return ok(out);
}

/** A scalar field's value, or the failure of a bad one. */
function readScalar(obj: UserArg, p: FieldPlan & { code: 'int' | 'u64' | 'ptr' }, prefix: string): Result<number | bigint> | number | bigint {
  const name = p.f.name;
  return p.code === 'int' ? readInt(obj[name], p.int, prefix, name) : readU64(obj[name], p.code === 'ptr', prefix, name);
}

/** The bytes past sizeof inside `size` must all be zero (copy_struct_from_user's check_zeroed_user). */
function checkTrailing(obj: UserArg, sizeof: number, size: number, prefix: string): Failure | null {
  if (size <= sizeof) return null;
  const t = obj.__trailing;
  if (t === undefined) return null;
  if (!Array.isArray(t) && !(t instanceof Uint8Array)) return failType(`${prefix}.__trailing`, 'an array of byte values', t);
  for (let i = 0; i < size - sizeof && i < t.length; i++) {
    const b = t[i];
    if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 255) return failType(`${prefix}.__trailing[${i}]`, 'a byte value (0..255)', b);
    if (b !== 0) return fail('E2BIG', 'copy_struct_from_user: non-zero bytes past the kernel struct');
  }
  return null;
}

/**
 * copy_from_user(&kstruct, arg, size) — or, with `size` past sizeof, copy_struct_from_user():
 * every scalar and fixed-array field as the kernel sees it. Fields at or past `size` read as
 * zero; non-zero trailing bytes past sizeof are E2BIG. Union members after the first, nested
 * structs and flexible arrays are not decoded (handlers read those themselves).
 */
export function readStruct(r: StructReader, obj: UserArg, size: number, prefix = 'arg'): Result<Fields> {
  if (r.fast !== null && size >= r.fastFrom && size <= r.sizeof) {
    const quick = r.fast(obj);
    if (quick !== null) return ok(quick);
  }
  const out: Fields = {};
  for (const p of r.plan) {
    const f = p.f;
    if (p.code === 'array') {
      const a = readArray(obj, p, prefix);
      if (!a.ok) return a;
      out[f.name] = f.offset >= size ? a.value.map(() => 0) : a.value;
      continue;
    }
    const v = readScalar(obj, p, prefix);
    if (typeof v === 'object') {
      if (!v.ok) return v;
      out[f.name] = cut(v.value, f, size);
    } else out[f.name] = f.offset + f.size <= size ? v : cut(v, f, size);
  }
  const t = checkTrailing(obj, r.sizeof, size, prefix);
  if (t !== null) return t;
  return ok(out);
}

/**
 * A plan's common copy compiled to straight-line code: `o.flags = obj.flags` with the field's
 * name written in, so each load and store is a plain property access V8 can cache per
 * struct (a loop over names makes every access a generic keyed lookup, ~4x slower for
 * MAP_DMA). The code is built only from the layout's field names (JSON-quoted) and bounds.
 * Null for a plan with an array, or where compiling code is not allowed (a CSP without
 * 'unsafe-eval'): the general path then does every copy.
 */
function compileCopy(plan: readonly FieldPlan[]): ((obj: UserArg) => Fields | null) | null {
  if (plan.some((p) => p.code === 'array')) return null;
  const key = (p: FieldPlan) => JSON.stringify(p.f.name);
  const lines = [`const o = { ${plan.map((p) => `${key(p)}: ${p.code === 'int' ? '0' : '0n'}`).join(', ')} };`, 'let v;'];
  for (const p of plan) {
    const ok = p.code === 'int' ? `typeof v === 'number' && v >= 0 && v < ${p.int.fastHi} && Number.isInteger(v)` : `typeof v === 'bigint' && v >= 0n && v <= ${U64_MAX}n`;
    lines.push(`v = obj[${key(p)}];`, `if (${ok}) o[${key(p)}] = v; else if (v !== undefined) return null;`);
  }
  lines.push('return o;');
  try {
    return new Function('obj', `'use strict';\n${lines.join('\n')}`) as (obj: UserArg) => Fields | null;
  } catch {
    return null;
  }
}

/** A field's value as far as the copied length reaches (all of it, its low bytes, or zero). */
function cut(v: number | bigint, f: StructField, size: number): number | bigint {
  const inside = Math.max(0, Math.min(f.size, size - f.offset));
  return inside === f.size ? v : truncate(v, inside, f.kind === 's32', f.size * 8);
}

/** readStruct with the struct's reader worked out for this one call (tables hold theirs). */
export function copyFromUser(obj: UserArg, struct: StructName, size: number, prefix = 'arg'): Result<Fields> {
  return readStruct(structReader(struct), obj, size, prefix);
}

/** get_user() of the leading u32 `size`/`argsz` field. */
export function leadingSize(obj: UserArg, field: 'size' | 'argsz' = 'argsz', prefix = 'arg'): Result<number> {
  return cInt(`${prefix}.${field}`, obj[field], 32);
}

/**
 * copy_to_user(arg, &kstruct, size) / iommufd_ucmd_respond(): write `values` back into the
 * argument, only the fields inside min(size, sizeof). A field cut by `size` gets its low bytes.
 */
export function respond(obj: UserArg, struct: StructName, size: number, values: Fields): void {
  const l = layoutOf(struct);
  const limit = Math.min(size, l.sizeof);
  for (const [name, v] of Object.entries(values)) {
    const f = l.fields.find((x) => x.name === name);
    if (f === undefined) throw new Error(`uaccess: ${struct} has no field ${name}`);
    if (f.offset >= limit) continue;
    const inside = Math.min(f.size, limit - f.offset);
    if (inside === f.size || Array.isArray(v)) {
      obj[name] = Array.isArray(v) ? [...v] : v;
      continue;
    }
    const old = obj[name];
    if (typeof v === 'bigint') {
      const mask = (1n << BigInt(inside * 8)) - 1n;
      const prev = typeof old === 'bigint' ? old : 0n;
      obj[name] = (prev & ~mask & U64_MAX) | (v & mask);
    } else {
      const mod = 2 ** (inside * 8);
      const prev = typeof old === 'number' ? old : 0;
      obj[name] = prev - (prev % mod) + (v % mod);
    }
  }
}

/** A struct embedded in (or following) the argument, e.g. `data` of UNMAP_DMA: omitted reads as zeros. */
export function nestedArg(obj: UserArg, field: string, prefix = 'arg'): Result<UserArg> {
  const v = obj[field];
  if (v === undefined) return ok({});
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return failType(`${prefix}.${field}`, 'of type object', v);
  return ok(v as UserArg);
}

/** A payload struct at `obj[field]` (a feature's `data`), copied whole: omitted reads as zeros. */
export function copyNested(obj: UserArg, field: string, struct: StructName, prefix = 'arg'): Result<{ obj: UserArg; f: Fields }> {
  const n = nestedArg(obj, field, prefix);
  if (!n.ok) return n;
  const f = copyFromUser(n.value, struct, layoutOf(struct).sizeof, `${prefix}.${field}`);
  return f.ok ? ok({ obj: n.value, f: f.value }) : f;
}

/** Elements of a flexible array member (`data`, `group_fds`): EFAULT when missing or short. */
export function flexArray(obj: UserArg, field: string, count: number, prefix = 'arg'): Result<unknown[]> {
  const v = obj[field];
  if (count === 0) return ok([]);
  if (v === undefined || v === null) return fail('EFAULT', `copy_from_user: ${field} missing`);
  if (!Array.isArray(v)) return failType(`${prefix}.${field}`, 'an instance of Array', v);
  if (v.length < count) return fail('EFAULT', `copy_from_user: ${field} shorter than count`);
  return ok(v.slice(0, count));
}

/**
 * An ioctl's by-value integer argument (CHECK_EXTENSION, SET_IOMMU): number or bigint. The
 * kernel compares the whole unsigned long, so a bigint keeps all 64 bits (2^32 + 1 is not 1);
 * above 2^53 the number is inexact but still equals no extension id.
 */
export function byValue(arg: unknown, name = 'arg'): Result<number> {
  if (arg === undefined) return ok(0);
  if (typeof arg === 'number' && Number.isInteger(arg)) return ok(arg);
  if (typeof arg === 'bigint') return ok(Number(BigInt.asUintN(64, arg)));
  return failType(name, 'of type number', arg);
}

/** A scalar out of decoded fields (keeps handlers short). */
export function u32(f: Fields, name: string): number {
  return f[name] as number;
}

export function u64(f: Fields, name: string): bigint {
  return f[name] as bigint;
}

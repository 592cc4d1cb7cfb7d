/**
 * Reading and answering an ioctl argument the way iommufd (and the VFIO cdev ioctls) do
 * with user memory: the leading `size`/`argsz`, copy_struct_from_user() and
 * iommufd_ucmd_respond().
 *
 * The argument is a plain JS object whose fields carry the C names (contract §6). Rules:
 *  - `undefined`/`null` as the whole argument is a NULL pointer: EFAULT.
 *  - any other non-object is a JS type error (ERR_INVALID_ARG_TYPE).
 *  - a scalar field must be a number (u8/u16/u32/s32) or a bigint (u64); omitted means 0.
 *    Numbers are stored with C's conversion to the field width (so `flags: ~0` is 0xffffffff).
 *  - bytes at or past the caller's `size` are zero to the kernel, whatever the object holds.
 *  - "trailing bytes" — the bytes a newer user space would send past the kernel's sizeof —
 *    are modelled by `arg.__trailing`: an array (or Uint8Array) of byte values, element 0 being
 *    the byte at offset sizeof. Only the bytes inside `size` count; any non-zero one is E2BIG.
 *  - the answer writes only the fields that lie inside min(size, sizeof), as the kernel copies
 *    only that many bytes back; a field cut by `size` keeps its high bytes.
 */
import { fail, failType, ok, type Failure, type Result } from '../../base/result.js';
import { structLayout, type StructField, type StructLayout, type StructName } from '../../uapi/structs.js';

export type FieldValue = number | bigint | number[];
export type Fields = Record<string, FieldValue>;
export type UserArg = Record<string, unknown>;

const U64_MASK = (1n << 64n) - 1n;

/** The argument object, or EFAULT for a NULL pointer, or a type error. */
export function userArg(arg: unknown, name = 'arg'): Result<UserArg> {
  if (arg === undefined || arg === null || arg === 0 || arg === 0n) return fail('EFAULT', 'copy_from_user: NULL argument');
  if (typeof arg !== 'object' || Array.isArray(arg)) return failType(name, 'of type object', arg);
  return ok(arg as UserArg);
}

function layoutOf(struct: StructName): StructLayout {
  const l = structLayout(struct);
  if (l === undefined) throw new Error(`iommufd: no layout for ${struct}`);
  return l;
}

function bitsOf(f: StructField): number {
  return f.size * 8;
}

/** A JS number as a C integer of `bits` (signed if `signed`), or a type failure. */
function toNumber(name: string, v: unknown, bits: number, signed: boolean): Result<number> {
  if (v === undefined) return ok(0);
  if (typeof v !== 'number' || !Number.isInteger(v)) return failType(name, 'of type number (an integer)', v);
  const lo = -(2 ** (bits - 1));
  const hi = 2 ** bits;
  if (v < lo || v >= hi) return failType(name, `an integer that fits ${signed ? 's' : 'u'}${bits}`, v);
  const u = v < 0 ? v + hi : v;
  return ok(signed && u >= 2 ** (bits - 1) ? u - hi : u);
}

function toBigint(name: string, v: unknown): Result<bigint> {
  if (v === undefined) return ok(0n);
  if (typeof v !== 'bigint') return failType(name, 'of type bigint', v);
  if (v < -(1n << 63n) || v > U64_MASK) return failType(name, 'a bigint that fits u64', v);
  return ok(BigInt.asUintN(64, v));
}

/**
 * A pointer field: null/undefined/0 is NULL (0n); a bigint is itself; an array, typed array
 * or object stands for user memory that holds it (1n, "some valid address").
 */
function toPointer(name: string, v: unknown): Result<bigint> {
  if (v === undefined || v === null || v === 0 || v === 0n) return ok(0n);
  if (typeof v === 'bigint') return ok(BigInt.asUintN(64, v));
  if (typeof v === 'object') return ok(1n);
  return failType(name, 'an array, object or bigint (a user pointer)', v);
}

/** Keep only the low `bytes` bytes of a field value (the part inside the caller's size). */
function truncate(v: number | bigint, bytes: number, signed: boolean, bits: number): number | bigint {
  if (typeof v === 'bigint') return v & ((1n << BigInt(bytes * 8)) - 1n);
  const mask = 2 ** (bytes * 8);
  const u = (v < 0 ? v + 2 ** bits : v) % mask;
  return signed && bytes * 8 === bits && u >= 2 ** (bits - 1) ? u - 2 ** bits : u;
}

function readScalar(obj: UserArg, f: StructField, prefix: string): Result<number | bigint> {
  const name = `${prefix}.${f.name}`;
  if (f.pointer) return toPointer(name, obj[f.name]);
  if (f.kind === 'u64' || f.kind === 's64') return toBigint(name, obj[f.name]);
  return toNumber(name, obj[f.name], bitsOf(f), f.kind === 's32');
}

function readArray(obj: UserArg, f: StructField, prefix: string): Result<number[]> {
  const raw = obj[f.name];
  const n = f.count ?? 0;
  const out = new Array<number>(n).fill(0);
  if (raw === undefined) return ok(out);
  if (!Array.isArray(raw) && !(raw instanceof Uint8Array)) return failType(`${prefix}.${f.name}`, 'an array of numbers', raw);
  const elemBits = (f.size / Math.max(n, 1)) * 8;
  for (let i = 0; i < n && i < raw.length; i++) {
    const r = toNumber(`${prefix}.${f.name}[${i}]`, raw[i], elemBits, false);
    if (!r.ok) return r;
    out[i] = r.value;
  }
  return ok(out);
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
 * copy_struct_from_user(kernel struct, sizeof, user, size): every field as the kernel sees
 * it. Fields beyond `size` read as zero; non-zero trailing bytes are E2BIG. Union members
 * after the first read as the first.
 */
export function copyStructFromUser(obj: UserArg, struct: StructName, size: number, prefix = 'arg'): Result<Fields> {
  const l = layoutOf(struct);
  const out: Fields = {};
  for (const f of l.fields) {
    if (f.union) continue;
    if (f.kind === 'array') {
      const r = readArray(obj, f, prefix);
      if (!r.ok) return r;
      out[f.name] = f.offset >= size ? r.value.map(() => 0) : r.value;
      continue;
    }
    if (f.kind === 'flex' || f.kind === 'struct') continue;
    const r = readScalar(obj, f, prefix);
    if (!r.ok) return r;
    const inside = Math.max(0, Math.min(f.size, size - f.offset));
    out[f.name] = inside === f.size ? r.value : truncate(r.value, inside, f.kind === 's32', bitsOf(f));
  }
  const t = checkTrailing(obj, l.sizeof, size, prefix);
  if (t !== null) return t;
  return ok(out);
}

/** Read the leading u32 `size`/`argsz` field (the kernel's get_user of the first word). */
export function leadingSize(obj: UserArg, field: 'size' | 'argsz', prefix = 'arg'): Result<number> {
  return toNumber(`${prefix}.${field}`, obj[field], 32, false);
}

/**
 * iommufd_ucmd_respond(): write `values` back into the argument, but only the fields that
 * lie inside min(size, sizeof). A field cut by `size` gets only its low bytes.
 */
export function respond(obj: UserArg, struct: StructName, size: number, values: Fields): void {
  const l = layoutOf(struct);
  const limit = Math.min(size, l.sizeof);
  for (const [name, v] of Object.entries(values)) {
    const f = l.fields.find((x) => x.name === name);
    if (f === undefined) throw new Error(`iommufd: ${struct} has no field ${name}`);
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
      obj[name] = (prev & ~mask & U64_MASK) | (v & mask);
    } else {
      const mod = 2 ** (inside * 8);
      const prev = typeof old === 'number' ? old : 0;
      obj[name] = prev - (prev % mod) + (v % mod);
    }
  }
}

/** A scalar out of decoded fields (helpers keep handlers short). */
export function u32(f: Fields, name: string): number {
  return f[name] as number;
}

export function u64(f: Fields, name: string): bigint {
  return f[name] as bigint;
}

/**
 * What a trace shows of a call's arguments, decoded as strace does: an ioctl's struct from
 * the uapi layout of its request (fields in C order, named constants for flags and enums,
 * addresses and sizes in hex), what the kernel wrote back (the fields that changed), the
 * region a VFIO device offset falls in (`config+0x4`, `bar0+0x80`), and a small buffer as
 * the little-endian value it holds. One decoder: the process skin uses it for every call, so
 * scenarios, `vfio-sim exec --trace` and the playground all print the same thing.
 */
import type { TraceArg, TraceStruct, TraceValue } from '../base/trace-format.js';
import { formatValue, hexWidth } from '../base/trace-format.js';
import { IOMMUFD_IOCTLS, VFIO_IOCTLS, type FdKind } from '../uapi/ioctls.js';
import { requestName } from '../uapi/names.js';
import { structLayout, type StructField, type StructLayout } from '../uapi/structs.js';
import * as V from '../uapi/vfio.js';
import { nameValue } from '../uapi/value-names.js';

/** At most this many elements of an array are shown, then `...`. */
const ARRAY_SHOWN = 16;

/** How an ioctl takes its argument, by its table row: 'struct' with the struct's tag. */
function argShape(request: number, fd: FdKind | undefined): { name: string; arg: string; struct: string | null } | undefined {
  const name = requestName(request, fd);
  if (name === undefined || name.includes(' | ')) return undefined;
  const v = VFIO_IOCTLS.find((c) => c.name === name);
  if (v !== undefined) return { name, arg: v.arg, struct: v.struct };
  const i = IOMMUFD_IOCTLS.find((c) => c.name === name);
  return i === undefined ? undefined : { name, arg: 'struct', struct: i.struct };
}

function hex(v: bigint): string {
  return v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
}

/** A value the user passed that is not an integer, shown as JS would print it. */
function odd(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'object' && v !== null) return Array.isArray(v) ? `[${v.length} items]` : '{...}';
  return String(v);
}

/** A scalar field: named constants where uapi names them, u64s and pointers in hex, the rest in decimal. */
function scalarText(key: string, f: StructField | undefined, v: unknown): TraceValue {
  if (v === undefined || v === null) v = f?.kind === 'u64' || f?.kind === 's64' || f?.pointer ? 0n : 0;
  if (typeof v !== 'number' && typeof v !== 'bigint') return typeof v === 'object' && v !== null ? plain(v) : odd(v);
  if (typeof v === 'number' && !Number.isInteger(v)) return String(v);
  const named = nameValue(key, v);
  if (named !== undefined) return named;
  if (typeof v === 'bigint' || f?.pointer) return hex(BigInt(v));
  return String(v);
}

/** An object or array with no layout (a pointed-to array of records): every own field, integers in hex. */
function plain(v: object): TraceValue {
  if (Array.isArray(v) || v instanceof Uint8Array) return listOf(Array.from(v as ArrayLike<unknown>).map((x) => (typeof x === 'object' && x !== null ? plain(x) : scalarText('', undefined, x))), v.length);
  return { struct: '', fields: Object.entries(v).map(([name, x]) => ({ name, value: typeof x === 'object' && x !== null ? plain(x) : scalarText('', undefined, typeof x === 'number' ? BigInt(x) : x) })) };
}

function listOf(items: TraceValue[], total: number): TraceValue {
  return total > ARRAY_SHOWN ? [...items.slice(0, ARRAY_SHOWN), '...'] : items;
}

function elementText(type: string, x: unknown, key: string): TraceValue {
  const l = structLayout(type);
  if (l !== undefined) return typeof x === 'object' && x !== null && !Array.isArray(x) ? structValue(l, x as Record<string, unknown>, false) : odd(x);
  return scalarText(key, undefined, x);
}

function fieldText(l: StructLayout, f: StructField, x: unknown): TraceValue {
  const key = `${l.name}.${f.name}`;
  if (f.kind === 'struct') return elementText(f.type ?? '', x, key);
  if (f.kind === 'array' || f.kind === 'flex') {
    if (!Array.isArray(x) && !(x instanceof Uint8Array)) return odd(x);
    const arr = Array.from(x as ArrayLike<unknown>);
    return listOf(arr.slice(0, ARRAY_SHOWN).map((e) => elementText(f.type ?? 'u8', e, key)), arr.length);
  }
  return scalarText(key, f, x);
}

/**
 * A struct argument: the fields the caller set, in layout order, and always the leading
 * argsz/size (omitted, it reads as 0 — the reason for an EINVAL).
 */
export function structValue(l: StructLayout, obj: Record<string, unknown>, lead = true): TraceStruct {
  const fields: TraceArg[] = [];
  l.fields.forEach((f, i) => {
    const always = lead && i === 0 && (f.name === 'argsz' || f.name === 'size');
    if (!always && !Object.hasOwn(obj, f.name)) return;
    fields.push({ name: f.name, value: fieldText(l, f, obj[f.name]) });
  });
  return { struct: l.name, fields };
}

/** The `arg` of ioctl(fd, request, arg) as shown, or undefined when none is passed (and none is taken). */
export function ioctlArg(request: number, fd: FdKind | undefined, arg: unknown): TraceValue | undefined {
  const shape = argShape(request, fd);
  const none = arg === undefined || arg === null || arg === 0 || arg === 0n;
  if (shape?.arg === 'none' || (shape === undefined && arg === undefined)) return arg === undefined ? undefined : odd(arg);
  if (shape?.arg === 'struct') {
    const l = shape.struct === null ? undefined : structLayout(shape.struct);
    if (none) return 'NULL';
    if (l === undefined || typeof arg !== 'object' || Array.isArray(arg)) return odd(arg);
    return structValue(l, arg as Record<string, unknown>);
  }
  if ((shape?.arg === 'int-ptr' || shape?.arg === 'string') && (arg === undefined || arg === null)) return 'NULL';
  if (shape?.arg === 'int-ptr') return typeof arg === 'number' ? `[${arg}]` : odd(arg);
  if (shape?.arg === 'string') return odd(arg);
  if (arg === undefined) return '0';
  if (typeof arg === 'number' || typeof arg === 'bigint') return nameValue(shape?.name ?? '', arg) ?? (shape === undefined ? hex(BigInt(arg)) : String(arg));
  return typeof arg === 'object' && arg !== null ? plain(arg) : odd(arg);
}

/**
 * A copy of an ioctl argument as it is now, deep enough for ioctlArg to show it later:
 * objects and arrays copied (arrays up to the elements shown, plus one so `...` still
 * appears), integers and strings as they are.
 */
export function snapshotArg(v: unknown, depth = 4): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (depth === 0) return Array.isArray(v) ? [] : {};
  if (v instanceof Uint8Array) return v.slice(0, ARRAY_SHOWN + 1);
  if (Array.isArray(v)) {
    const out = v.slice(0, ARRAY_SHOWN + 1).map((x) => snapshotArg(x, depth - 1));
    if (v.length > out.length) out.length = ARRAY_SHOWN + 1;
    return out;
  }
  // a spread first: V8 clones a plain object's fields in one step; then only object fields go
  // deeper (for-in over the clone walks its map's key cache; Object.keys allocated an array)
  const out: Record<string, unknown> = { ...v };
  for (const k in out) {
    const x = out[k];
    if (typeof x === 'object' && x !== null && Object.hasOwn(out, k)) out[k] = snapshotArg(x, depth - 1);
  }
  return out;
}

/**
 * The argument after the call: `before` itself when the kernel wrote nothing back (the common
 * case: no second copy kept), else a new snapshot.
 */
export function snapshotAfter(before: unknown, arg: unknown): unknown {
  return sameAsSnapshot(before, arg, 4) ? before : snapshotArg(arg);
}

function sameAsSnapshot(snap: unknown, live: unknown, depth: number): boolean {
  if (typeof live !== 'object' || live === null) return snap === live;
  if (typeof snap !== 'object' || snap === null || depth === 0) return false;
  if (live instanceof Uint8Array || Array.isArray(live)) {
    const s = snap as ArrayLike<unknown>;
    if (live.length > ARRAY_SHOWN + 1 || s.length !== live.length) return false;
    for (let i = 0; i < live.length; i++) if (!sameAsSnapshot(s[i], live[i], depth - 1)) return false;
    return true;
  }
  return sameFields(snap as Record<string, unknown>, live as Record<string, unknown>, depth);
}

/**
 * The same keys and values, objects compared deeply; counting keys instead of Object.keys, so
 * nothing is allocated. A false "same" would show wrong values, so a key on one side only
 * counts even when its value is undefined; a false "different" only costs a second copy (an
 * inherited enumerable key: for-in sees it, the snapshot's spread did not, the counts differ).
 */
function sameFields(snap: Record<string, unknown>, live: Record<string, unknown>, depth: number): boolean {
  let n = 0;
  for (const k in live) {
    const x = live[k];
    const s = snap[k];
    if (x !== s) {
      if (typeof x !== 'object' || x === null || !sameAsSnapshot(s, x, depth - 1)) return false;
    } else if (x === undefined && !Object.hasOwn(snap, k)) return false;
    n++;
  }
  for (const _ in snap) n--;
  return n === 0;
}

/** The fields of `after` that differ from `before` (what the kernel wrote back), or undefined. */
export function changedFields(before: TraceValue | undefined, after: TraceValue | undefined): TraceStruct | undefined {
  if (typeof before !== 'object' || typeof after !== 'object' || Array.isArray(before) || Array.isArray(after)) return undefined;
  const b = before as TraceStruct;
  const a = after as TraceStruct;
  const was = new Map(b.fields.map((f) => [f.name, formatValue(f.value)]));
  const fields = a.fields.filter((f) => was.get(f.name) !== formatValue(f.value));
  return fields.length === 0 ? undefined : { struct: a.struct, fields };
}

const REGION_NAMES: Readonly<Record<number, string>> = {
  [V.VFIO_PCI_BAR0_REGION_INDEX]: 'bar0',
  [V.VFIO_PCI_BAR1_REGION_INDEX]: 'bar1',
  [V.VFIO_PCI_BAR2_REGION_INDEX]: 'bar2',
  [V.VFIO_PCI_BAR3_REGION_INDEX]: 'bar3',
  [V.VFIO_PCI_BAR4_REGION_INDEX]: 'bar4',
  [V.VFIO_PCI_BAR5_REGION_INDEX]: 'bar5',
  [V.VFIO_PCI_ROM_REGION_INDEX]: 'rom',
  [V.VFIO_PCI_CONFIG_REGION_INDEX]: 'config',
  [V.VFIO_PCI_VGA_REGION_INDEX]: 'vga',
};

/** The name of a vfio-pci region index: bar0..bar5, rom, config, vga, else `region9`. */
export function regionName(index: number): string {
  return REGION_NAMES[index] ?? `region${index}`;
}

/** A file offset: on a VFIO device fd, the region it falls in (vfio-pci's index << 40) and the offset into it. */
export function offsetText(fileKind: string | undefined, offset: bigint): string {
  if (fileKind !== 'vfio-device' || offset < 0n) return hex(offset);
  return `${regionName(Number(offset >> 40n))}+${hex(offset & ((1n << 40n) - 1n))}`;
}

export interface BufSnapshot {
  readonly bytes: Uint8Array;
  readonly length: number;
}

/** What bufText needs of a buffer, copied now: its first 32 bytes and its length. */
export function bufSnapshot(data: Uint8Array): BufSnapshot {
  return { bytes: data.slice(0, 32), length: data.length };
}

/**
 * Bytes in a buffer argument: a 1/2/4/8-byte buffer as its little-endian value, else strace's
 * quoted string of the first 32 bytes (`length` is the whole buffer's, when `data` is a prefix).
 */
export function bufText(data: Uint8Array, length = data.length): string {
  const n = length;
  if (n === 1 || n === 2 || n === 4 || n === 8) {
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(data[i]!);
    return hexWidth(v, n);
  }
  const shown = Array.from(data.subarray(0, 32), (b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
  return `"${shown}"${n > 32 ? '...' : ''}`;
}

/**
 * C bytes <-> the JS argument objects of contract §6, driven only by the uapi struct layouts:
 * u64/s64 fields are bigints, smaller integers numbers, fixed arrays arrays, embedded structs
 * objects (a capability's `header` is flattened into the capability object, as the kernel
 * layer writes it). Fields that do not fit in the bytes given are left out (the caller
 * passed a shorter argsz), flexible array members are the caller's business (struct_refs).
 */
import { isScalarKind, scalarSize, structLayout, type ScalarKind, type StructLayout } from '../../uapi/structs.js';

export type Obj = Record<string, unknown>;

function mustLayout(name: string): StructLayout {
  const l = structLayout(name);
  if (l === undefined) throw new Error(`exec: no layout for struct ${name}`);
  return l;
}

export function readScalar(dv: DataView, off: number, kind: ScalarKind): number | bigint {
  switch (kind) {
    case 'u8':
      return dv.getUint8(off);
    case 'u16':
      return dv.getUint16(off, true);
    case 'u32':
      return dv.getUint32(off, true);
    case 's32':
      return dv.getInt32(off, true);
    case 'u64':
      return dv.getBigUint64(off, true);
    case 's64':
      return dv.getBigInt64(off, true);
  }
}

export function writeScalar(dv: DataView, off: number, kind: ScalarKind, v: unknown): void {
  if (kind === 'u64' || kind === 's64') {
    const b = typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v ?? 0)));
    dv.setBigUint64(off, BigInt.asUintN(64, b), true);
    return;
  }
  const n = typeof v === 'boolean' ? (v ? 1 : 0) : Number(v ?? 0);
  if (kind === 'u8') dv.setUint8(off, n & 0xff);
  else if (kind === 'u16') dv.setUint16(off, n & 0xffff, true);
  else dv.setUint32(off, n >>> 0, true);
}

/** Decode the struct at `base` of `bytes`; only fields ending within `bytes` are read. */
export function decodeStruct(name: string, bytes: Uint8Array, base = 0): Obj {
  const l = mustLayout(name);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Obj = {};
  for (const f of l.fields) {
    const off = base + f.offset;
    if (f.kind === 'flex' || off + f.size > bytes.length) continue;
    if (isScalarKind(f.kind)) out[f.name] = readScalar(dv, off, f.kind);
    else if (f.kind === 'struct') {
      const inner = decodeStruct(f.type!, bytes, off);
      if (f.name === 'header') Object.assign(out, inner);
      else out[f.name] = inner;
    } else if (f.kind === 'array') out[f.name] = decodeArray(f.type!, f.count ?? 0, bytes, off);
  }
  return out;
}

/** `count` elements of a scalar kind or struct at `off`. */
export function decodeArray(type: string, count: number, bytes: Uint8Array, off: number): unknown[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = elemSize(type);
  const out: unknown[] = [];
  for (let i = 0; i < count && off + (i + 1) * size <= bytes.length; i++) {
    out.push(isScalarKind(type) ? readScalar(dv, off + i * size, type) : decodeStruct(type, bytes, off + i * size));
  }
  return out;
}

export function elemSize(type: string): number {
  return isScalarKind(type) ? scalarSize(type) : mustLayout(type).sizeof;
}

/** Write the fields of `obj` that the struct has into `bytes` at `base` (those that fit). */
export function encodeStruct(name: string, obj: Obj, bytes: Uint8Array, base = 0): void {
  const l = mustLayout(name);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const f of l.fields) {
    const off = base + f.offset;
    if (f.kind === 'struct') {
      const v = f.name === 'header' ? obj : obj[f.name];
      if (typeof v === 'object' && v !== null && off + f.size <= bytes.length) encodeStruct(f.type!, v as Obj, bytes, off);
      continue;
    }
    const v = obj[f.name];
    if (v === undefined) continue;
    if (isScalarKind(f.kind)) {
      if (off + f.size <= bytes.length && (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean')) writeScalar(dv, off, f.kind, v);
    } else if (Array.isArray(v)) {
      encodeArray(f.type!, v, bytes, off, f.kind === 'array' ? (f.count ?? 0) : v.length);
    }
  }
}

export function encodeArray(type: string, items: readonly unknown[], bytes: Uint8Array, off: number, max: number): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = elemSize(type);
  for (let i = 0; i < items.length && i < max && off + (i + 1) * size <= bytes.length; i++) {
    if (isScalarKind(type)) writeScalar(dv, off + i * size, type, items[i]);
    else encodeStruct(type, items[i] as Obj, bytes, off + i * size);
  }
}

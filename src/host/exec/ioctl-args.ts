/**
 * An ioctl of a real program, carried to the simulated kernel: the request's row in the uapi
 * tables says what `arg` is; a struct is read from the program's memory with `argsz`/`size`
 * bytes (at most its sizeof for the fixed part), decoded by layout, its fd fields translated
 * and its pointers followed as struct_refs.ts says; after the call every byte the kernel
 * changed in the object — the fixed part, a capability chain, an output array — is written
 * back, on failure too (the kernel's partial write-backs, e.g. num_iovas with EMSGSIZE).
 * Nothing here is per-ioctl: all of it follows the tables.
 */
import { fail, ok, type Result } from '../../base/result.js';
import { iommufdIoctl, vfioIoctl, type FdKind } from '../../uapi/ioctls.js';
import { CAP_STRUCTS, RETURNS_FD, STRUCT_REFS, type StructRef } from '../../uapi/struct_refs.js';
import { vfioDeviceFeature } from '../../uapi/features.js';
import { VFIO_DEVICE_FEATURE_MASK } from '../../uapi/vfio.js';
import { sizeofStruct, structLayout, type StructName } from '../../uapi/structs.js';
import { decodeArray, decodeStruct, elemSize, encodeArray, encodeStruct, type Obj } from './struct-codec.js';

export interface ArgEnv {
  read(addr: bigint, len: number): Uint8Array | null;
  write(addr: bigint, data: Uint8Array): boolean;
  /** A real fd number of the program → the simulated fd the kernel should see. */
  fdIn(realFd: number): number;
  /** Make [addr, addr + len) of the program's memory the simulated process's memory. */
  mirror(addr: bigint, len: bigint): void;
  /** After the call: the frames the kernel populated there are the program's pages. */
  attach(addr: bigint, len: bigint): void;
}

export interface PreparedIoctl {
  readonly name: string;
  readonly arg: unknown;
  readonly returnsFd: boolean;
  /** Addresses in the program where the kernel wrote a new fd (fd-out fields), after writeBack. */
  readonly fdOut: Array<{ addr: bigint; simFd: number }>;
  writeBack(): void;
}

const MAX_ARRAY = 1 << 16;

function cString(env: ArgEnv, addr: bigint): string | null {
  const out: number[] = [];
  for (let a = addr; out.length < 4096; a += 64n) {
    const chunk = env.read(a, 64) ?? env.read(a, Number(((a | 0xfffn) + 1n) - a));
    if (chunk === null) return null;
    const z = chunk.indexOf(0);
    if (z >= 0) return String.fromCharCode(...out, ...chunk.subarray(0, z));
    out.push(...chunk);
  }
  return String.fromCharCode(...out);
}

function u32At(b: Uint8Array, off: number): number {
  return new DataView(b.buffer, b.byteOffset).getUint32(off, true);
}

interface Row {
  name: string;
  arg: 'none' | 'value' | 'int-ptr' | 'string' | 'struct';
  struct: StructName | null;
}

function rowFor(kind: string | undefined, request: number): Row | null {
  if (kind === 'iommufd') {
    const r = iommufdIoctl(request);
    if (r) return { name: r.name, arg: 'struct', struct: r.struct };
    // iommufd's vfio compat answers the container's requests on /dev/iommu
    const c = vfioIoctl('container', request);
    return c ? { name: c.name, arg: c.arg, struct: c.struct } : null;
  }
  // The kernel's file kinds are 'vfio-container', 'vfio-group', 'vfio-device', 'vfio-migration'.
  const fd = kind?.startsWith('vfio-') ? kind.slice(5) : kind;
  const r = vfioIoctl(fd as Exclude<FdKind, 'iommufd'>, request);
  return r ? { name: r.name, arg: r.arg, struct: r.struct } : null;
}

/** Build the JS argument of `request` on a file of `kind` from the program's memory at `addr`. */
export function prepareIoctl(kind: string | undefined, request: number, addr: bigint, env: ArgEnv): Result<PreparedIoctl> {
  const row = rowFor(kind, request);
  const base = { fdOut: [] as Array<{ addr: bigint; simFd: number }>, writeBack: () => {} };
  if (row === null) return ok({ ...base, name: `0x${request.toString(16)}`, arg: addr, returnsFd: false });
  const returnsFd = RETURNS_FD.includes(row.name);
  if (row.arg === 'none') return ok({ ...base, name: row.name, arg: undefined, returnsFd });
  // contract §6: a by-value argument is a number (a bigint keeps what a number cannot hold)
  if (row.arg === 'value') return ok({ ...base, name: row.name, arg: addr <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(addr) : addr, returnsFd });
  if (row.arg === 'string') {
    const s = cString(env, addr);
    return s === null ? fail('EFAULT', 'strndup_user: bad pointer') : ok({ ...base, name: row.name, arg: s, returnsFd });
  }
  if (row.arg === 'int-ptr') {
    const b = env.read(addr, 4);
    if (b === null) return fail('EFAULT', 'get_user: bad pointer');
    const v = new DataView(b.buffer).getInt32(0, true);
    return ok({ ...base, name: row.name, arg: row.name === 'VFIO_GROUP_SET_CONTAINER' ? env.fdIn(v) : v, returnsFd });
  }
  return prepareStruct(row.name, row.struct!, addr, env, returnsFd);
}

function prepareStruct(name: string, struct: StructName, addr: bigint, env: ArgEnv, returnsFd: boolean): Result<PreparedIoctl> {
  // one read of the whole struct when it is there (the usual case), else argsz first
  const whole = env.read(addr, sizeofStruct(struct));
  const head = whole ?? env.read(addr, 4);
  if (head === null) return fail('EFAULT', 'copy_from_user: bad argument pointer');
  const argsz = u32At(head, 0);
  const fixedLen = Math.min(argsz, sizeofStruct(struct));
  const fixed = whole !== null ? whole.slice(0, fixedLen) : fixedLen <= 4 ? head.slice(0, Math.max(fixedLen, 0)) : env.read(addr, fixedLen);
  if (fixed === null) return fail('EFAULT', 'copy_from_user: argument not mapped');
  const obj = decodeStruct(struct, fixed);
  const after: Array<() => void> = [];
  const fdOut: Array<{ addr: bigint; simFd: number }> = [];
  for (const ref of STRUCT_REFS[struct] ?? []) {
    const r = applyRef(ref, struct, obj, addr, env, after, fdOut);
    if (!r.ok) return r;
  }
  const writeBack = (): void => {
    const out = fixed.slice();
    encodeStruct(struct, obj, out);
    writeChanged(env, addr, fixed, out);
    writeCaps(struct, obj, addr, argsz, env);
    for (const f of after) f();
  };
  return ok({ name, arg: obj, returnsFd, fdOut, writeBack });
}

/** Write only the bytes that differ (a read-only argument the kernel did not change stays untouched). */
function writeChanged(env: ArgEnv, addr: bigint, before: Uint8Array, after: Uint8Array): void {
  let lo = 0;
  let hi = after.length;
  while (lo < hi && before[lo] === after[lo]) lo++;
  while (hi > lo && before[hi - 1] === after[hi - 1]) hi--;
  if (lo < hi) env.write(addr + BigInt(lo), after.subarray(lo, hi));
}

function fieldOffset(struct: string, field: string): number {
  return structLayout(struct)!.fields.find((f) => f.name === field)!.offset;
}

function applyRef(ref: StructRef, struct: string, obj: Obj, addr: bigint, env: ArgEnv, after: Array<() => void>, fdOut: PreparedIoctl['fdOut']): Result<void> {
  switch (ref.kind) {
    case 'fd-in':
      if (typeof obj[ref.field] === 'number') obj[ref.field] = env.fdIn(obj[ref.field] as number);
      return ok(undefined);
    case 'fd-out':
      after.push(() => {
        if (typeof obj[ref.field] === 'number') fdOut.push({ addr: addr + BigInt(fieldOffset(struct, ref.field)), simFd: obj[ref.field] as number });
      });
      return ok(undefined);
    case 'user-mem': {
      const p = obj[ref.ptr];
      const raw = typeof ref.len === 'number' ? BigInt(ref.len) : obj[ref.len];
      const len = typeof raw === 'number' ? BigInt(raw * (ref.unit ?? 1)) : typeof raw === 'bigint' ? raw * BigInt(ref.unit ?? 1) : raw;
      if (typeof p === 'bigint' && p !== 0n && typeof len === 'bigint' && len > 0n) {
        env.mirror(p, len);
        after.push(() => env.attach(p, len));
      }
      return ok(undefined);
    }
    case 'array':
      return arrayRef(ref, obj, env, after);
    case 'flex':
      return flexRef(ref, struct, obj, addr, env);
    case 'feature-payload':
      return featurePayload(ref.field, struct, obj, addr, env, after, fdOut);
  }
}

/** The payload after vfio_device_feature's header, by the feature id in flags. */
function featurePayload(field: string, struct: string, obj: Obj, addr: bigint, env: ArgEnv, after: Array<() => void>, fdOut: PreparedIoctl['fdOut']): Result<void> {
  const feature = vfioDeviceFeature(Number(obj['flags'] ?? 0) & VFIO_DEVICE_FEATURE_MASK);
  const off = fieldOffset(struct, field);
  const len = Math.min(Number(obj['argsz'] ?? 0) - off, MAX_ARRAY);
  if (feature === undefined || len <= 0) return ok(undefined);
  const at = addr + BigInt(off);
  const bytes = env.read(at, len);
  if (bytes === null) return fail('EFAULT', 'copy_from_user: feature payload not mapped');
  if (feature.struct === null) {
    obj[field] = bytes;
    return ok(undefined);
  }
  const inner = decodeStruct(feature.struct, bytes);
  for (const ref of STRUCT_REFS[feature.struct] ?? []) {
    const r = applyRef(ref, feature.struct, inner, at, env, after, fdOut);
    if (!r.ok) return r;
  }
  obj[field] = inner;
  after.unshift(() => {
    const out = bytes.slice();
    encodeStruct(feature.struct!, inner, out);
    writeChanged(env, at, bytes, out);
  });
  return ok(undefined);
}

function arrayRef(ref: Extract<StructRef, { kind: 'array' }>, obj: Obj, env: ArgEnv, after: Array<() => void>): Result<void> {
  const p = obj[ref.ptr];
  const n = Math.min(Number(obj[ref.count] ?? 0), MAX_ARRAY);
  if (typeof p !== 'bigint' || p === 0n) return ok(undefined);
  const size = elemSize(ref.elem);
  const bytes = n === 0 ? new Uint8Array(0) : env.read(p, n * size);
  if (bytes === null) return fail('EFAULT', `copy_from_user: ${ref.ptr} not mapped`);
  const items = decodeArray(ref.elem, n, bytes, 0);
  obj[ref.ptr] = items;
  after.push(() => {
    const now = obj[ref.ptr];
    if (!Array.isArray(now) || (now === items && n === 0)) return;
    const out = bytes.slice();
    encodeArray(ref.elem, now, out, 0, n);
    writeChanged(env, p, bytes, out);
  });
  return ok(undefined);
}

function flexRef(ref: Extract<StructRef, { kind: 'flex' }>, struct: string, obj: Obj, addr: bigint, env: ArgEnv): Result<void> {
  const elem = ref.elem(Number(obj['flags'] ?? 0));
  const n = Math.min(Number(obj[ref.count] ?? 0), MAX_ARRAY);
  if (elem === 'none' || n === 0) return ok(undefined);
  const off = addr + BigInt(fieldOffset(struct, ref.field));
  const size = elem === 'fd' ? 4 : 1;
  const bytes = env.read(off, n * size);
  if (bytes === null) return fail('EFAULT', `copy_from_user: ${ref.field}[] not mapped`);
  const dv = new DataView(bytes.buffer);
  const items: unknown[] = [];
  for (let i = 0; i < n; i++) {
    if (elem === 'bool') items.push(bytes[i] !== 0);
    else {
      const fd = dv.getInt32(i * 4, true);
      items.push(fd < 0 ? fd : env.fdIn(fd));
    }
  }
  obj[ref.field] = items;
  return ok(undefined);
}

/** The kernel's capability chain (`obj.caps`) laid out from cap_offset, each cap by its id's struct. */
function writeCaps(struct: string, obj: Obj, addr: bigint, argsz: number, env: ArgEnv): void {
  const caps = obj['caps'];
  const table = CAP_STRUCTS[struct];
  if (!Array.isArray(caps) || table === undefined) return;
  let off = Number(obj['cap_offset'] ?? 0);
  for (const cap of caps as Obj[]) {
    const name = table[Number(cap['id'])];
    if (name === undefined || off === 0) return;
    const flex = structLayout(name)!.fields.find((f) => f.kind === 'flex');
    const items = flex ? (cap[flex.name] as unknown[] | undefined) : undefined;
    const size = sizeofStruct(name as StructName) + (flex && items ? items.length * elemSize(flex.type!) : 0);
    if (off + size > argsz) return;
    const buf = new Uint8Array(size);
    encodeStruct(name, cap, buf);
    if (flex && items) encodeArray(flex.type!, items, buf, flex.offset, items.length);
    env.write(addr + BigInt(off), buf);
    const next = Number(cap['next'] ?? 0);
    off = next !== 0 ? next : off + ((size + 7) & ~7);
  }
}

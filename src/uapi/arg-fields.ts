/**
 * Which keys an ioctl argument object may hold, checked at run time as a C compiler checks a
 * designated initialiser: every key must be a field of the struct (or one of the few the
 * simulator's uaccess adds, below), in nested structs and struct arrays too. The syscall skin
 * throws for the first unknown key before the kernel sees the call; the scenario check
 * reports every one. The compile-time twin is requests.ts' ExactArg.
 *
 * Besides the C fields an argument may hold:
 *  - `__trailing`: the bytes a newer user space sends past sizeof (copy_struct_from_user;
 *    uaccess reads it for any struct copied with a size above its sizeof);
 *  - `caps` on an INFO struct with `cap_offset`: the parsed capability chain written back;
 *  - a struct that C places in a byte flexible array member (`__u8 data[]`), under `data`,
 *    and where docs/legacy-vfio.md allows it, under an alias (`bitmap`) or spread over the
 *    top level (BYTE_PAYLOADS).
 */
import { STRUCT_REFS } from './struct_refs.js';
import type { StructLayout } from './struct_layout.js';
import { STRUCTS, structLayout } from './structs.js';
import { VFIO_DEVICE_FEATURE_MASK } from './vfio.js';
import { vfioDeviceFeature } from './features.js';

/**
 * Byte flexible array members whose content is one struct: UNMAP_DMA's `data[]` holds a struct
 * vfio_bitmap (also accepted as `arg.bitmap`), DIRTY_PAGES' holds a struct
 * vfio_iommu_type1_dirty_bitmap_get (whose fields may also sit at the top level).
 */
export const BYTE_PAYLOADS = {
  vfio_iommu_type1_dma_unmap: { field: 'data', struct: 'vfio_bitmap', alias: 'bitmap', flat: false },
  vfio_iommu_type1_dirty_bitmap: { field: 'data', struct: 'vfio_iommu_type1_dirty_bitmap_get', alias: null, flat: true },
} as const;

type Payload = (typeof BYTE_PAYLOADS)[keyof typeof BYTE_PAYLOADS];

function payloadOf(struct: string): Payload | undefined {
  return Object.hasOwn(BYTE_PAYLOADS, struct) ? BYTE_PAYLOADS[struct as keyof typeof BYTE_PAYLOADS] : undefined;
}

/** One key a struct lacks: where it is, the struct, and the struct's fields. */
export interface UnknownArgField {
  readonly path: string;
  readonly struct: string;
  readonly field: string;
  readonly fields: readonly string[];
}

/** `arg.vadr: struct vfio_iommu_type1_dma_map has no field vadr (fields: argsz, flags, …)`. */
export function describeUnknownField(u: UnknownArgField): string {
  return `${u.path}: struct ${u.struct} has no field ${u.field} (fields: ${u.fields.join(', ')})`;
}

/** The keys beyond the C fields an argument object of `struct` may hold (see the opening comment). */
export function extraArgFields(struct: string): readonly string[] {
  const l = structLayout(struct);
  const extra: string[] = ['__trailing'];
  if (l?.fields.some((f) => f.name === 'cap_offset')) extra.push('caps');
  const p = payloadOf(struct);
  if (p?.alias) extra.push(p.alias);
  if (p?.flat) extra.push(...(structLayout(p.struct)?.fields.map((f) => f.name) ?? []));
  return extra;
}

function isRecord(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/** The struct (if any) that the value of `field` of `struct` holds, given the object around it. */
function innerStructs(l: StructLayout, obj: Readonly<Record<string, unknown>>): Array<[field: string, struct: string]> {
  const out: Array<[string, string]> = [];
  for (const f of l.fields) {
    if ((f.kind === 'struct' || f.kind === 'flex') && f.type !== undefined && structLayout(f.type) !== undefined) out.push([f.name, f.type]);
  }
  for (const r of STRUCT_REFS[l.name] ?? []) {
    if (r.kind === 'array') out.push([r.ptr, r.elem]);
    if (r.kind === 'feature-payload' && typeof obj['flags'] === 'number') {
      const s = vfioDeviceFeature(obj['flags'] & VFIO_DEVICE_FEATURE_MASK)?.struct;
      if (s) out.push([r.field, s]);
    }
  }
  const p = payloadOf(l.name);
  if (p !== undefined) {
    out.push([p.field, p.struct]);
    if (p.alias !== null) out.push([p.alias, p.struct]);
  }
  return out;
}

/** The keys an argument object of each struct may hold at its top level: its C fields in order, then the extras. */
const TOP_KEYS: ReadonlyMap<string, { readonly names: readonly string[]; readonly set: ReadonlySet<string> }> = new Map(
  [...STRUCTS.values()].map((l) => {
    const names = [...l.fields.map((f) => f.name), ...extraArgFields(l.name)];
    return [l.name, { names, set: new Set(names) }] as const;
  }),
);

/** Whether `key` may stand in an argument object of `l`. */
function allowedKey(l: StructLayout, key: string): boolean {
  return TOP_KEYS.get(l.name)?.set.has(key) ?? false;
}

/** Whether any value of `obj` is an object (a nested struct, array or payload) to walk into. */
function hasObjectValue(obj: Readonly<Record<string, unknown>>): boolean {
  for (const k in obj) if (typeof obj[k] === 'object' && obj[k] !== null) return true;
  return false;
}

function walk(struct: string, obj: Readonly<Record<string, unknown>>, path: string, out: UnknownArgField[], depth: number): void {
  const l = structLayout(struct);
  if (l === undefined || depth > 8) return;
  let fields: string[] | undefined;
  for (const k of Object.keys(obj)) {
    if (!allowedKey(l, k)) out.push({ path: `${path}.${k}`, struct, field: k, fields: (fields ??= l.fields.map((f) => f.name)) });
  }
  // the common argument (numbers and bigints only) has nothing to walk into
  if (!hasObjectValue(obj)) return;
  const inner = innerStructs(l, obj);
  const p = payloadOf(struct);
  if (p?.flat) for (const [f, s] of innerStructs(structLayout(p.struct)!, obj)) inner.push([f, s]);
  for (const [f, s] of inner) {
    const v = obj[f];
    if (isRecord(v)) walk(s, v, `${path}.${f}`, out, depth + 1);
    else if (Array.isArray(v)) v.forEach((e, i) => isRecord(e) && walk(s, e, `${path}.${f}[${i}]`, out, depth + 1));
  }
}

/**
 * Whether `arg` is a flat argument object (no object values to walk into) whose every key
 * `struct` has: the common case, answered without allocating. False means "look closer"
 * (unknownArgFields), not "refused".
 */
export function argFitsPlainly(struct: string, arg: unknown): boolean {
  const keys = TOP_KEYS.get(struct);
  if (keys === undefined || !isRecord(arg)) return false;
  const { names, set } = keys;
  let j = 0;
  for (const k in arg) {
    const v = arg[k];
    if (typeof v === 'object' && v !== null) return false;
    // keys mostly come in the struct's order: a forward scan compares interned strings, no hashing
    while (j < names.length && names[j] !== k) j++;
    if (j < names.length) j++;
    else if (set.has(k)) j = 0;
    else return false; // unknown, or inherited: unknownArgFields looks at own keys only
  }
  return true;
}

/**
 * Every key of `arg` (an argument object for `struct`) that the struct lacks, nested structs,
 * struct arrays and payloads included, in the order met. Anything that is not a plain object
 * is the reader's to judge (uaccess.ts), so it yields nothing here.
 */
export function unknownArgFields(struct: string, arg: unknown, path = 'arg'): UnknownArgField[] {
  const out: UnknownArgField[] = [];
  if (isRecord(arg)) walk(struct, arg, path, out, 0);
  return out;
}

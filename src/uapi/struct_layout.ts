/**
 * How a C struct of the VFIO / iommufd uAPI is laid out in memory on x86-64: the types of the
 * struct tables (structs_vfio.ts, structs_iommufd.ts), small builders that keep those tables
 * readable, and `recomputeLayout`, which derives every offset and the sizeof from the field
 * kinds alone with the C rules, so the hand-written tables can be checked against them.
 *
 * C rules used (System V x86-64 ABI): every integer is aligned to its size (so a plain __u64
 * is 8-aligned, same as __aligned_u64; user pointers are 8 bytes); an array is aligned like its
 * element; a struct is aligned like its most-aligned member and its size is rounded up to that
 * alignment; a flexible array member takes no space but still aligns its offset and the struct;
 * the members of an anonymous union share one offset.
 */

export type ScalarKind = 'u8' | 'u16' | 'u32' | 'u64' | 's32' | 's64';
export type FieldKind = ScalarKind | 'array' | 'flex' | 'struct';

export interface StructField {
  readonly name: string;
  readonly offset: number;
  /** Bytes the field occupies (0 for a flexible array member). */
  readonly size: number;
  readonly kind: FieldKind;
  /** 'array' / 'flex': the element type (a scalar kind or a struct name); 'struct': the struct. */
  readonly type?: string;
  /** 'array': the element count. */
  readonly count?: number;
  /** The field shares its offset with the field before it (one anonymous union). */
  readonly union?: true;
  /** A __u64 that carries a user-space pointer the kernel reads or writes through. */
  readonly pointer?: true;
}

export interface StructLayout<N extends string = string> {
  /** The C struct tag, without `struct `. */
  readonly name: N;
  /** sizeof(struct name) on x86-64. */
  readonly sizeof: number;
  readonly fields: readonly StructField[];
}

const SCALAR_SIZE: Readonly<Record<ScalarKind, number>> = {
  u8: 1,
  u16: 2,
  u32: 4,
  u64: 8,
  s32: 4,
  s64: 8,
};

export function isScalarKind(kind: string): kind is ScalarKind {
  return Object.hasOwn(SCALAR_SIZE, kind);
}

export function scalarSize(kind: ScalarKind): number {
  return SCALAR_SIZE[kind];
}

// ---- Builders (tables state every offset and size explicitly; these only shorten them) ----

// The builders keep each field's name, kind and element type as literal types, so the
// TypeScript shape of a struct (struct-types.ts) is derived from the very same table.

/** A scalar field. */
export function scalar<const N extends string, const K extends ScalarKind>(
  name: N,
  offset: number,
  kind: K,
): StructField & { readonly name: N; readonly kind: K } {
  return { name, offset, size: SCALAR_SIZE[kind], kind };
}

/** A __u64 / __aligned_u64 holding a user pointer. */
export function uptr<const N extends string>(
  name: N,
  offset: number,
): StructField & { readonly name: N; readonly kind: 'u64'; readonly pointer: true } {
  return { name, offset, size: 8, kind: 'u64', pointer: true };
}

/** A fixed-size array; `elemSize` is needed only when the element is a struct. */
export function array<const N extends string, const T extends string>(
  name: N,
  offset: number,
  type: T,
  count: number,
  elemSize?: number,
): StructField & { readonly name: N; readonly kind: 'array'; readonly type: T } {
  const each = elemSize ?? (isScalarKind(type) ? SCALAR_SIZE[type] : 0);
  return { name, offset, size: each * count, kind: 'array', type, count };
}

/** A flexible array member (`type name[];`). */
export function flex<const N extends string, const T extends string>(
  name: N,
  offset: number,
  type: T,
): StructField & { readonly name: N; readonly kind: 'flex'; readonly type: T } {
  return { name, offset, size: 0, kind: 'flex', type };
}

/** An embedded struct. */
export function nested<const N extends string, const T extends string>(
  name: N,
  offset: number,
  type: T,
  size: number,
): StructField & { readonly name: N; readonly kind: 'struct'; readonly type: T } {
  return { name, offset, size, kind: 'struct', type };
}

/** Marks a field as a further member of the anonymous union the previous field opened. */
export function unionMember<const F extends StructField>(field: F): F & { readonly union: true } {
  return { ...field, union: true };
}

export function layout<const N extends string, const F extends readonly StructField[]>(
  name: N,
  sizeof: number,
  fields: F,
): StructLayout<N> & { readonly fields: F } {
  return { name, sizeof, fields };
}

// ---- Independent recomputation with the C rules ----

export interface ComputedLayout {
  readonly sizeof: number;
  readonly align: number;
  /** Offsets derived from kinds alone, in field order. */
  readonly offsets: readonly number[];
  /** Sizes derived from kinds alone, in field order. */
  readonly sizes: readonly number[];
}

export type StructResolver = (name: string) => StructLayout | undefined;

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

interface SizeAlign {
  readonly size: number;
  readonly align: number;
}

function typeSizeAlign(type: string, resolve: StructResolver, depth: number): SizeAlign {
  if (isScalarKind(type)) return { size: SCALAR_SIZE[type], align: SCALAR_SIZE[type] };
  const inner = resolve(type);
  if (inner === undefined) throw new Error(`unknown struct ${type}`);
  const c = recomputeLayout(inner, resolve, depth + 1);
  return { size: c.sizeof, align: c.align };
}

function fieldSizeAlign(f: StructField, resolve: StructResolver, depth: number): SizeAlign {
  if (isScalarKind(f.kind)) return { size: SCALAR_SIZE[f.kind], align: SCALAR_SIZE[f.kind] };
  const t = typeSizeAlign(f.type ?? '', resolve, depth);
  if (f.kind === 'flex') return { size: 0, align: t.align };
  if (f.kind === 'array') return { size: t.size * (f.count ?? 0), align: t.align };
  return t;
}

/**
 * Lays the struct out from its field kinds only (recorded offsets and sizes are ignored) and
 * returns what a C compiler for x86-64 would produce.
 */
export function recomputeLayout(
  s: StructLayout,
  resolve: StructResolver,
  depth = 0,
): ComputedLayout {
  if (depth > 8) throw new Error(`struct nesting too deep at ${s.name}`);
  const metrics = s.fields.map((f) => fieldSizeAlign(f, resolve, depth));
  const offsets: number[] = [];
  let end = 0;
  let structAlign = 1;
  for (let i = 0; i < s.fields.length; ) {
    // A union group: this field and every following `union` member.
    let j = i + 1;
    while (j < s.fields.length && s.fields[j]?.union === true) j++;
    const group = metrics.slice(i, j);
    const align = Math.max(...group.map((m) => m.align));
    const start = alignUp(end, align);
    for (let k = i; k < j; k++) offsets.push(start);
    end = start + alignUp(Math.max(...group.map((m) => m.size)), align);
    structAlign = Math.max(structAlign, align);
    i = j;
  }
  return {
    sizeof: alignUp(end, structAlign),
    align: structAlign,
    offsets,
    sizes: metrics.map((m) => m.size),
  };
}

/**
 * One lookup over every uAPI struct layout (vfio.h and iommufd.h), so the kernel layer can
 * check `argsz` / `size` with the exact C numbers: `sizeofStruct('vfio_region_info') === 32`,
 * `offsetofend('vfio_iommu_type1_dma_map', 'size') === 32`.
 *
 * Invariant: struct names are unique across both headers, and within a struct field names are
 * unique (structs.test.ts checks both, and that every layout matches the C rules).
 * Asking for a struct or field that does not exist is a programming error and throws.
 */
import type { StructField, StructLayout } from './struct_layout.js';
import { IOMMUFD_STRUCTS } from './structs_iommufd.js';
import { VFIO_STRUCTS } from './structs_vfio.js';

export type {
  ComputedLayout,
  FieldKind,
  ScalarKind,
  StructField,
  StructLayout,
  StructResolver,
} from './struct_layout.js';
export { isScalarKind, recomputeLayout, scalarSize } from './struct_layout.js';
export { IOMMUFD_STRUCTS } from './structs_iommufd.js';
export { VFIO_STRUCTS } from './structs_vfio.js';

export type VfioStructName = (typeof VFIO_STRUCTS)[number]['name'];
export type IommufdStructName = (typeof IOMMUFD_STRUCTS)[number]['name'];
/** The C tag of every struct in the tables. */
export type StructName = VfioStructName | IommufdStructName;

/** Every layout by name, vfio.h first, then iommufd.h, each in header order. */
export const STRUCTS: ReadonlyMap<string, StructLayout> = new Map(
  [...VFIO_STRUCTS, ...IOMMUFD_STRUCTS].map((s) => [s.name, s] as const),
);

/** The layout of a struct, or undefined for a name the tables lack. */
export function structLayout(name: string): StructLayout | undefined {
  return STRUCTS.get(name);
}

function mustLayout(name: string): StructLayout {
  const s = STRUCTS.get(name);
  if (s === undefined) throw new Error(`uapi: no struct ${name}`);
  return s;
}

function mustField(struct: string, field: string): StructField {
  const f = mustLayout(struct).fields.find((x) => x.name === field);
  if (f === undefined) throw new Error(`uapi: struct ${struct} has no field ${field}`);
  return f;
}

/** sizeof(struct name) on x86-64. */
export function sizeofStruct(name: StructName): number {
  return mustLayout(name).sizeof;
}

/** The field record (offset, size, kind) of `struct.field`. */
export function structField(struct: StructName, field: string): StructField {
  return mustField(struct, field);
}

/** offsetof(struct, field). */
export function offsetof(struct: StructName, field: string): number {
  return mustField(struct, field).offset;
}

/** offsetofend(struct, field): the first byte after the field, as the kernel's minsz uses. */
export function offsetofend(struct: StructName, field: string): number {
  const f = mustField(struct, field);
  return f.offset + f.size;
}

/**
 * The TypeScript shape of every uAPI struct, derived with mapped types from the layout tables
 * (structs_vfio.ts, structs_iommufd.ts) — no struct is written out a second time. A field's JS
 * type follows contract §6: `__u64`/`__s64` a bigint, a smaller integer a number, a fixed
 * array an array of numbers, a flexible array member a JS array, an embedded struct an
 * object, a user pointer a bigint (or the object/array it points at).
 *
 * `StructArg<'vfio_iommu_type1_dma_map'>` is what a caller may pass (every field optional:
 * an omitted field is zero, as in a C initialiser); `Struct<…>` is the struct as the kernel
 * leaves it after a call writes it back (every scalar field present). Besides the C fields,
 * the argument object may carry what the simulator's uaccess layer defines: `__trailing` (the
 * bytes a newer user space sends past the kernel's sizeof) and `caps` (the parsed
 * capability chain an INFO struct with `cap_offset` gets back), and a struct C places in a
 * byte flexible array under its alias or spread (arg-fields.ts' BYTE_PAYLOADS, which also
 * checks all of this at run time).
 */
import type { BYTE_PAYLOADS } from './arg-fields.js';
import type { StructName } from './structs.js';
import type { IOMMUFD_STRUCTS } from './structs_iommufd.js';
import type { VFIO_STRUCTS } from './structs_vfio.js';

type Layouts = (typeof VFIO_STRUCTS)[number] | (typeof IOMMUFD_STRUCTS)[number];

/** The layout-table entry of struct `S`, with its fields' literal names and kinds. */
export type LayoutOf<S extends StructName> = Extract<Layouts, { readonly name: S }>;
type FieldsOf<S extends StructName> = LayoutOf<S>['fields'][number];
/** The C field names of struct `S`. */
export type FieldName<S extends StructName> = FieldsOf<S>['name'];

/** A user pointer: NULL (`0n`, `0`, `null`), an address, or the JS object/array it points at. */
export type UserPointer = bigint | 0 | null | object;

/** A capability of an INFO chain, as the kernel writes it to `arg.caps` ({ id, version, … }). */
export type CapabilityObject = { readonly id: number; readonly version: number; readonly [field: string]: unknown };

type ScalarJs<K> = K extends 'u64' | 's64' ? bigint : number;

/**
 * A flexible array member: elements of a struct type are objects; a byte array (`__u8 data[]`)
 * holds what the request puts there (eventfds or booleans for SET_IRQS, a payload struct for
 * DEVICE_FEATURE, UNMAP_DMA's vfio_bitmap), which the layout alone does not say. `null`, like
 * an omitted member, holds nothing (EFAULT where the kernel needs elements).
 */
type FlexArg<T> =
  | null
  | (T extends StructName
      ? readonly StructArg<T>[]
      : T extends 'u8'
        ? readonly (number | boolean)[] | Uint8Array | { readonly [field: string]: unknown }
        : readonly number[]);

type FieldArg<F> = F extends { readonly pointer: true }
  ? UserPointer
  : F extends { readonly kind: 'array' }
    ? readonly number[] | Uint8Array
    : F extends { readonly kind: 'flex'; readonly type: infer T }
      ? FlexArg<T>
      : F extends { readonly kind: 'struct'; readonly type: infer T extends StructName }
        ? StructArg<T>
        : F extends { readonly kind: infer K }
          ? ScalarJs<K>
          : never;

type FieldOut<F> = F extends { readonly kind: 'array' }
  ? number[]
  : F extends { readonly kind: 'struct'; readonly type: infer T extends StructName }
    ? Struct<T>
    : FieldArg<F>;

type HasCaps<S extends StructName> = 'cap_offset' extends FieldName<S> ? true : false;

type Payloads = typeof BYTE_PAYLOADS;

/** A struct held in a byte flexible array, under an alias or spread over the top level. */
type PayloadArg<S extends StructName> = S extends keyof Payloads
  ? (Payloads[S]['alias'] extends string ? { [K in Payloads[S]['alias']]?: StructArg<Payloads[S]['struct']> } : unknown) &
      (Payloads[S]['flat'] extends true ? StructArg<Payloads[S]['struct']> : unknown)
  : unknown;

/** What the uaccess layer adds to a struct's C fields (arg-fields.ts, the run-time twin). */
type ExtraArg<S extends StructName> = { __trailing?: readonly number[] | Uint8Array } &
  (HasCaps<S> extends true ? { caps?: readonly CapabilityObject[] } : unknown) &
  PayloadArg<S>;

/** The argument object a caller passes for struct `S`: C field names, every field optional. */
export type StructArg<S extends StructName> = {
  -readonly [F in FieldsOf<S> as F['name']]?: FieldArg<F>;
} & ExtraArg<S>;

/** Struct `S` as a call leaves it: every scalar and fixed-array field present. */
export type Struct<S extends StructName> = {
  -readonly [F in FieldsOf<S> as F extends { readonly kind: 'flex' } ? never : F['name']]: FieldOut<F>;
} & {
  -readonly [F in FieldsOf<S> as F extends { readonly kind: 'flex' } ? F['name'] : never]?: FieldArg<F>;
} & ExtraArg<S>;

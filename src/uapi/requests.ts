/**
 * Request constants that carry their argument type, as a C prototype does: `Ioctl<Arg, Out>` is
 * a request number (a plain number at run time) branded with the type of its argument and of
 * what the call writes back. `p.ioctl(fd, uapi.VFIO_IOMMU_MAP_DMA, { vadr: buf })` then fails
 * to compile, and a number computed at run time (a bare `number`) stays untyped.
 *
 * `Request<'VFIO_IOMMU_MAP_DMA'>` is read from that request's row in ioctls.ts (how its
 * argument is passed, which struct) and the struct's layout (struct-types.ts), so the fact
 * "MAP_DMA takes struct vfio_iommu_type1_dma_map" is written once. Type-only: nothing here
 * exists at run time.
 */
import type { IommufdRows, VfioRows } from './ioctls.js';
import type { Struct, StructArg } from './struct-types.js';
import type { StructName } from './structs.js';

declare const ioctlTypes: unique symbol;

/** A request number whose argument is `Arg` and whose call writes back `Out`. */
export type Ioctl<Arg, Out = void> = number & {
  readonly [ioctlTypes]: { readonly arg: Arg; readonly out: Out };
};

/** The argument type of a typed request (`IoctlArg<typeof uapi.VFIO_IOMMU_MAP_DMA>`). */
export type IoctlArg<R> = R extends Ioctl<infer A, unknown> ? A : unknown;

/** What a typed request's call writes back (`IoctlOut<typeof uapi.VFIO_DEVICE_GET_INFO>`). */
export type IoctlOut<R> = R extends Ioctl<unknown, infer O> ? O : unknown;

type VfioRow = VfioRows[number];
type IommufdRow = IommufdRows[number];

/** The name of every request the tables hold. */
export type RequestName = VfioRow[0] | IommufdRow[0];

/** How each kind of argument of ioctls.ts is passed (contract §6). */
interface ByKind {
  /** The kernel ignores the argument. */
  readonly none: undefined;
  /** An integer by value (CHECK_EXTENSION, SET_IOMMU); all 64 bits count. */
  readonly value: number | bigint;
  /** A pointer to an int: the int (SET_CONTAINER's container fd). */
  readonly 'int-ptr': number;
  /** A C string (GET_DEVICE_FD's device name). */
  readonly string: string;
}

type VfioRequest<R> = R extends readonly [string, string, infer K, infer S, ...unknown[]]
  ? S extends StructName
    ? Ioctl<StructArg<S>, Struct<S>>
    : K extends keyof ByKind
      ? Ioctl<ByKind[K]>
      : never
  : never;

type IommufdRequest<R> = R extends readonly [string, infer S extends StructName, ...unknown[]]
  ? Ioctl<StructArg<S>, Struct<S>>
  : never;

/** The typed request constant named `N` (a VFIO or iommufd request). */
export type Request<N extends RequestName> = [Extract<VfioRow, readonly [N, ...unknown[]]>] extends [never]
  ? IommufdRequest<Extract<IommufdRow, readonly [N, ...unknown[]]>>
  : VfioRequest<Extract<VfioRow, readonly [N, ...unknown[]]>>;

/** What an unknown field's value is checked against, so the compiler's message lists the fields. */
export interface NotAField<Fields> {
  readonly 'is not a field of the struct; its fields are': Fields;
}

type Leaf = bigint | number | boolean | string | null | undefined | readonly unknown[] | Uint8Array;

/**
 * `A` with every key the struct type `T` lacks mapped to NotAField, nested structs included:
 * a C compiler refuses an unknown member in a designated initialiser, and TypeScript's own
 * excess-property check misses an object built before the call. An `A` the compiler cannot
 * see into (`unknown`, `Record<string, unknown>`) is left to the run-time check.
 */
export type ExactArg<A, T> = unknown extends A
  ? A
  : A extends Leaf
    ? A
    : string extends keyof A
      ? A
      : IsOpen<T> extends true
        ? A
        : { [K in keyof A]: K extends keyof T ? ExactField<A[K], T[K]> : NotAField<keyof T> };

/** A known field: a plain value must be of the field's type; an object is checked in turn. */
type ExactField<V, F> = unknown extends V ? V : V extends Leaf ? F : ExactArg<V, NonNullable<F>>;

/**
 * True when some member of the union `T` takes any object (a user pointer's `object`, a byte
 * array's payload record): then its keys are not the struct's to judge.
 */
type IsOpen<T> = true extends (T extends unknown ? (string extends keyof T ? true : [keyof T] extends [never] ? true : false) : never)
  ? true
  : false;

/**
 * The `arg` that `p.ioctl(fd, request, arg)` takes: for a typed struct request, an object of
 * the struct's fields and nothing else (or a NULL pointer: `0`, `0n`, `null`, omitted); for a
 * typed by-value / string request, that value; for a plain number, anything the kernel might
 * read (untyped, as `ioctl(2)`'s `...`).
 */
export type ArgFor<R extends number, A> = R extends Ioctl<infer In, unknown>
  ? In extends object
    ? (A extends object ? ExactArg<A, In> : never) | 0 | 0n | null
    : In
  : object | number | bigint | string;

/**
 * `uapi.struct(name, init)`: a struct as C declares one with a designated initialiser,
 * `struct vfio_device_info info = { .argsz = sizeof(info) };` — every field present and zero
 * (a `__u64` 0n, a smaller integer 0, a fixed array all zeros, an embedded struct zeroed; a
 * flexible array member absent) except those `init` names. Its type is `Struct<name>`, so the
 * fields a call writes back read as typed values afterwards (`info.num_irqs: number`), which
 * an object literal holding only `argsz` could not give. Built from the layout table alone.
 */
import { describeUnknownField, unknownArgFields } from './arg-fields.js';
import type { StructField } from './struct_layout.js';
import type { Struct, StructArg } from './struct-types.js';
import { structLayout, type StructName } from './structs.js';

function zero(f: StructField, depth: number): unknown {
  switch (f.kind) {
    case 'u64':
    case 's64':
      return 0n;
    case 'array':
      return new Array<number | bigint>(f.count ?? 0).fill(f.type === 'u64' || f.type === 's64' ? 0n : 0);
    case 'struct':
      return zeroed(f.type ?? '', depth + 1);
    case 'flex':
      return undefined;
    default:
      return 0;
  }
}

function zeroed(name: string, depth: number): Record<string, unknown> {
  const l = structLayout(name);
  if (l === undefined || depth > 8) throw new TypeError(`uapi.struct: no struct ${name} in the uapi tables`);
  const out: Record<string, unknown> = {};
  for (const f of l.fields) {
    const v = zero(f, depth);
    if (v !== undefined) out[f.name] = v;
  }
  return out;
}

/**
 * The signature of struct(), as an interface: TypeScript then compares it lazily, so code that
 * narrows over every export of `uapi` (`Object.entries(uapi)` + `typeof v === 'number'`) does
 * not instantiate Struct<> over all structs at once (TS2589 with a plain generic function).
 */
interface StructDeclaration {
  <S extends StructName>(name: S, init?: StructArg<S>): Struct<S>;
}

/**
 * A zeroed `struct name` with `init`'s fields set (a shallow copy of them). A key the struct
 * lacks is a TypeError ERR_INVALID_ARG_TYPE naming the struct and its fields, as p.ioctl's.
 */
export const struct: StructDeclaration = function struct<S extends StructName>(name: S, init?: StructArg<S>): Struct<S> {
  const bad = unknownArgFields(name, init ?? {}, 'init')[0];
  if (bad !== undefined) throw Object.assign(new TypeError(describeUnknownField(bad)), { code: 'ERR_INVALID_ARG_TYPE' });
  return Object.assign(zeroed(name, 0), init ?? {}) as Struct<S>;
};

/**
 * The skin's unknown-field check of an ioctl argument: a key the request's struct lacks
 * (`{ vadr: buf }` for VFIO_IOMMU_MAP_DMA) is a TypeError ERR_INVALID_ARG_TYPE naming the
 * struct and its fields, thrown before the kernel sees the call — a C compiler would have
 * refused the initialiser, and a silently ignored typo would otherwise come back as EFAULT.
 * The struct is the one the fd's kind gives the request (ioctls.ts); where one number means
 * several structs on that kind (type1 and sPAPR on a container), a key any of them has passes.
 */
import { argTypeError } from '../base/errors.js';
import { argFitsPlainly, describeUnknownField, unknownArgFields, type UnknownArgField } from '../uapi/arg-fields.js';
import { ioctlStructs, type FdKind } from '../uapi/ioctls.js';

/** The first key of `arg` no candidate struct has, or null. */
export function unknownIoctlField(fd: FdKind | undefined, request: number, arg: unknown): UnknownArgField | null {
  if (fd === undefined) return null;
  const structs = ioctlStructs(fd, request);
  // the common argument: flat, every key a field of the (first) struct — nothing to allocate
  for (let i = 0; i < structs.length; i++) if (argFitsPlainly(structs[i]!, arg)) return null;
  let best: UnknownArgField[] | null = null;
  for (const s of structs) {
    const found = unknownArgFields(s, arg);
    if (found.length === 0) return null;
    if (best === null || found.length < best.length) best = found;
  }
  return best?.[0] ?? null;
}

/** Throws the TypeError for an unknown field (contract §3: ERR_INVALID_ARG_TYPE). */
export function checkIoctlFields(fd: FdKind | undefined, request: number, arg: unknown): void {
  const u = unknownIoctlField(fd, request, arg);
  if (u === null) return;
  throw argTypeError(describeUnknownField(u));
}

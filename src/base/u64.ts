/**
 * u64 arithmetic helpers. Every address and size at a boundary is a bigint; these keep
 * C's unsigned 64-bit meaning explicit instead of silently overflowing.
 */
export const U64_MAX = (1n << 64n) - 1n;
/** LLONG_MAX: the largest loff_t (file position). */
export const S64_MAX = (1n << 63n) - 1n;
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
export const PAGE_SIZE_N = 4096n;

export function alignDown(v: bigint, align: bigint): bigint {
  return v & ~(align - 1n);
}

export function alignUp(v: bigint, align: bigint): bigint {
  return (v + align - 1n) & ~(align - 1n);
}

export function hex(v: bigint | number, width = 0): string {
  return '0x' + v.toString(16).padStart(width, '0');
}

/**
 * u64 arithmetic helpers. Every address and size at a boundary is a bigint; these keep
 * C's unsigned 64-bit meaning explicit instead of silently overflowing.
 */
export const U64_MAX = (1n << 64n) - 1n;
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
export const PAGE_SIZE_N = 4096n;

export function isU64(v: bigint): boolean {
  return v >= 0n && v <= U64_MAX;
}

/** `a + b` as a C u64 add would compute it, and whether it wrapped. */
export function addOverflows(a: bigint, b: bigint): boolean {
  return a + b > U64_MAX;
}

export function isAligned(v: bigint, align: bigint): boolean {
  return (v & (align - 1n)) === 0n;
}

export function alignDown(v: bigint, align: bigint): bigint {
  return v & ~(align - 1n);
}

export function alignUp(v: bigint, align: bigint): bigint {
  return (v + align - 1n) & ~(align - 1n);
}

export function hex(v: bigint | number, width = 0): string {
  return '0x' + v.toString(16).padStart(width, '0');
}

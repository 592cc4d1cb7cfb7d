/** Little-endian u64 bytes, as an eventfd counter or a 64-bit register write travels. */

/** The 8 little-endian bytes of `v` (taken mod 2^64, as DataView does). */
export function u64le(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
}

/** The little-endian u64 in the first 8 bytes of `b` (which may be a view into a larger buffer). */
export function readU64le(b: Uint8Array): bigint {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(0, true);
}

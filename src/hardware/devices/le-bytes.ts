/** Little-endian register access on byte arrays (sizes 1..8), as bigint. */

/** Read `size` bytes little-endian from a byte array as a bigint. */
export function getLE(buf: Uint8Array, off: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[off + i] ?? 0);
  return v;
}

export function putLE(buf: Uint8Array, off: number, size: number, v: bigint): void {
  for (let i = 0; i < size; i++) buf[off + i] = Number((v >> BigInt(8 * i)) & 0xffn);
}

/**
 * Host physical memory: a sparse byte array addressed by physical address.
 *
 * Storage is a Map from chunk index (address >> 16) to a 64 KiB Uint8Array, created on the
 * first write that is not all zeros. Untouched memory reads as zeros and costs nothing.
 *
 * Invariants: every materialised chunk is exactly CHUNK_SIZE bytes; an address is valid when
 * 0 <= pa and pa + len <= MAX_PHYS (2^52, x86 MAXPHYADDR); contiguous copies issue one
 * `Uint8Array.set` per chunk touched, never one per page. Nothing here knows what the
 * bytes mean (RAM vs. MMIO is the fabric's business).
 *
 * Two surfaces: bigint addresses (`read`, `write`, ...) at the boundary, and `*At` methods
 * taking a byte address as a safe-integer `number` for hot loops (the IOMMU's DMA path).
 */

import { ExternalFrames } from './external.js';

export const CHUNK_SHIFT = 16;
export const CHUNK_SIZE = 1 << CHUNK_SHIFT;
/** Physical addresses are below 2^52 (x86-64 MAXPHYADDR); all fit a safe integer. */
export const MAX_PHYS = 2 ** 52;
const MAX_PHYS_N = 1n << 52n;

function checkRange(pa: number, len: number): void {
  if (!(pa >= 0 && len >= 0 && pa + len <= MAX_PHYS) || !Number.isInteger(pa) || !Number.isInteger(len)) {
    throw new RangeError(`physical range [0x${pa.toString(16)}, +${len}) outside [0, 2^52)`);
  }
}

function toNum(pa: bigint): number {
  if (pa < 0n || pa >= MAX_PHYS_N) throw new RangeError(`physical address 0x${pa.toString(16)} outside [0, 2^52)`);
  return Number(pa);
}

export class PhysMem {
  private readonly chunks = new Map<number, Uint8Array>();
  /** Frames whose bytes live outside the simulator (external.ts); empty unless `vfio-sim exec` runs. */
  readonly external = new ExternalFrames();
  /** writeU32At's byte staging (the instance's own: a module-level buffer would be shared by every Machine). */
  private readonly tmp4 = new Uint8Array(4);

  // ---- number fast paths (byte address as a safe integer) ----

  /** Copy `len` bytes at physical `pa` into `dst[dstOff..]`. */
  readAt(pa: number, dst: Uint8Array, dstOff: number, len: number): void {
    this.transfer(pa, dst, dstOff, len, false);
  }

  /** Copy `src[srcOff..srcOff+len)` to physical `pa`. */
  writeAt(pa: number, src: Uint8Array, srcOff: number, len: number): void {
    this.transfer(pa, src, srcOff, len, true);
  }

  /** Set `len` bytes at `pa` to `value`. Zero-filling untouched memory stays free; zero-filling a whole chunk releases it. */
  fillAt(pa: number, len: number, value: number): void {
    checkRange(pa, len);
    if (this.external.touches(pa, len)) {
      this.writeAt(pa, new Uint8Array(len).fill(value & 0xff), 0, len);
      return;
    }
    const v = value & 0xff;
    let off = pa % CHUNK_SIZE;
    let idx = (pa - off) / CHUNK_SIZE;
    let done = 0;
    while (done < len) {
      const n = Math.min(len - done, CHUNK_SIZE - off);
      if (v === 0 && n === CHUNK_SIZE) this.chunks.delete(idx);
      else if (v !== 0 || this.chunks.has(idx)) this.chunkFor(idx).fill(v, off, off + n);
      done += n;
      off = 0;
      idx++;
    }
  }

  readU32At(pa: number): number {
    const off = pa % CHUNK_SIZE;
    if (off <= CHUNK_SIZE - 4 && pa >= 0 && pa + 4 <= MAX_PHYS && this.external.size === 0) {
      const c = this.chunks.get((pa - off) / CHUNK_SIZE);
      if (c === undefined) return 0;
      return (c[off]! | (c[off + 1]! << 8) | (c[off + 2]! << 16) | (c[off + 3]! << 24)) >>> 0;
    }
    const b = new Uint8Array(4);
    this.readAt(pa, b, 0, 4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  writeU32At(pa: number, value: number): void {
    const b = this.tmp4;
    b[0] = value & 0xff;
    b[1] = (value >>> 8) & 0xff;
    b[2] = (value >>> 16) & 0xff;
    b[3] = (value >>> 24) & 0xff;
    this.writeAt(pa, b, 0, 4);
  }

  // ---- bigint boundary ----

  /** A copy of `len` bytes at `pa`. */
  read(pa: bigint, len: number): Uint8Array {
    const out = new Uint8Array(len);
    this.readAt(toNum(pa), out, 0, len);
    return out;
  }

  /** Fill `dst` from `dstOff` to its end with the bytes at `pa`. */
  readInto(pa: bigint, dst: Uint8Array, dstOff = 0): void {
    this.readAt(toNum(pa), dst, dstOff, dst.length - dstOff);
  }

  write(pa: bigint, data: Uint8Array): void {
    this.writeAt(toNum(pa), data, 0, data.length);
  }

  fill(pa: bigint, len: number, value = 0): void {
    this.fillAt(toNum(pa), len, value);
  }

  /** memmove semantics: overlapping ranges copy as if through a temporary buffer. */
  copy(dstPa: bigint, srcPa: bigint, len: number): void {
    const d = toNum(dstPa);
    const s = toNum(srcPa);
    checkRange(d, len);
    checkRange(s, len);
    if (len === 0 || d === s) return;
    if (this.external.touches(d, len) || this.external.touches(s, len)) {
      const tmp = new Uint8Array(len);
      this.readAt(s, tmp, 0, len);
      this.writeAt(d, tmp, 0, len);
      return;
    }
    if (d > s && d < s + len) this.copyBackward(d, s, len);
    else this.copyForward(d, s, len);
  }

  readU32(pa: bigint): number {
    return this.readU32At(toNum(pa));
  }

  writeU32(pa: bigint, value: number): void {
    this.writeU32At(toNum(pa), value);
  }

  readU64(pa: bigint): bigint {
    const p = toNum(pa);
    const lo = this.readU32At(p);
    const hi = this.readU32At(p + 4);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  writeU64(pa: bigint, value: bigint): void {
    const p = toNum(pa);
    const v = BigInt.asUintN(64, value);
    this.writeU32At(p, Number(v & 0xffffffffn));
    this.writeU32At(p + 4, Number(v >> 32n));
  }

  /** Bytes of backing storage in use (a multiple of CHUNK_SIZE). */
  materializedBytes(): number {
    return this.chunks.size * CHUNK_SIZE;
  }

  // ---- internals ----

  /**
   * The one chunk walk of readAt and writeAt: copy between physical [pa, pa+len) and
   * `buf[bufOff..]`, into memory when `toMem`, out of it otherwise. Frames held outside the
   * simulator go through `external`; an untouched chunk reads as zeros.
   */
  private transfer(pa: number, buf: Uint8Array, bufOff: number, len: number, toMem: boolean): void {
    checkRange(pa, len);
    if (this.external.touches(pa, len)) {
      this.external.each(
        pa,
        len,
        (b, pfn, off, o, n) => (toMem ? b.write(pfn, off, buf, bufOff + o, n) : b.read(pfn, off, buf, bufOff + o, n)),
        (a, o, n) => this.transfer(a, buf, bufOff + o, n, toMem),
      );
      return;
    }
    let off = pa % CHUNK_SIZE;
    let idx = (pa - off) / CHUNK_SIZE;
    let done = 0;
    while (done < len) {
      const n = Math.min(len - done, CHUNK_SIZE - off);
      const b = bufOff + done;
      if (toMem) this.chunkFor(idx).set(b === 0 && n === buf.length ? buf : buf.subarray(b, b + n), off);
      else {
        const c = this.chunks.get(idx);
        if (c === undefined) buf.fill(0, b, b + n);
        else if (n === CHUNK_SIZE) buf.set(c, b);
        else buf.set(c.subarray(off, off + n), b);
      }
      done += n;
      off = 0;
      idx++;
    }
  }

  private chunkFor(idx: number): Uint8Array {
    let c = this.chunks.get(idx);
    if (c === undefined) {
      c = new Uint8Array(CHUNK_SIZE);
      this.chunks.set(idx, c);
    }
    return c;
  }

  /** Copy one piece that lies inside a single source chunk and a single destination chunk. */
  private copyPiece(d: number, s: number, n: number): void {
    const sOff = s % CHUNK_SIZE;
    const dOff = d % CHUNK_SIZE;
    const src = this.chunks.get((s - sOff) / CHUNK_SIZE);
    const dIdx = (d - dOff) / CHUNK_SIZE;
    if (src === undefined) {
      if (this.chunks.has(dIdx)) this.chunks.get(dIdx)!.fill(0, dOff, dOff + n);
      return;
    }
    const dst = this.chunkFor(dIdx);
    if (dst === src) dst.copyWithin(dOff, sOff, sOff + n);
    else dst.set(src.subarray(sOff, sOff + n), dOff);
  }

  private copyForward(d: number, s: number, len: number): void {
    let done = 0;
    while (done < len) {
      const n = Math.min(len - done, CHUNK_SIZE - ((s + done) % CHUNK_SIZE), CHUNK_SIZE - ((d + done) % CHUNK_SIZE));
      this.copyPiece(d + done, s + done, n);
      done += n;
    }
  }

  private copyBackward(d: number, s: number, len: number): void {
    let left = len;
    while (left > 0) {
      const n = Math.min(left, ((s + left - 1) % CHUNK_SIZE) + 1, ((d + left - 1) % CHUNK_SIZE) + 1);
      left -= n;
      this.copyPiece(d + left, s + left, n);
    }
  }
}

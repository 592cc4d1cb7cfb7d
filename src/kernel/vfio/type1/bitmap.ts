/**
 * Writing dirty bits to the user's bitmap (update_user_bitmap, verify_bitmap_size).
 *
 * Layout: __u64 words, bit b of word w is page w*64+b from the report's base IOVA. A mapping
 * whose first bit is not word-aligned ORs into the word already in user memory; every word
 * it spans is written whole. vfio-pci groups cannot report their DMA writes, so every page of
 * every reported mapping is dirty (the kernel's pessimistic answer).
 *
 * Deliberate deviation (spec §5): every word a report will touch is checked for access
 * before anything changes, so an EFAULT leaves no partial effect.
 */
import { fail, okVoid, type Result } from '../../../base/result.js';
import { PROT_READ, PROT_WRITE } from '../../../uapi/posix.js';
import type { AddressSpace } from '../../mm/address-space.js';
import { TASK_SIZE } from '../../mm/mm-constants.js';
import type { VfioDma } from './dma.js';

/** DIRTY_BITMAP_SIZE_MAX: 256 MiB of bitmap per request. */
export const DIRTY_BITMAP_SIZE_MAX = 0x1000_0000n;

/** access_ok(data, size) on x86-64. */
export function accessOk(addr: bigint, size: bigint): boolean {
  return addr + size <= TASK_SIZE;
}

/**
 * verify_bitmap_size(): pages > 0, buffer <= 256 MiB and big enough for `pages` bits. (The
 * kernel's separate "buffer non-zero" test needs no twin: with pages > 0 a zero-byte buffer
 * is too small anyway.)
 */
export function verifyBitmapSize(pages: bigint, bytes: bigint): Result<void> {
  if (pages === 0n || bytes > DIRTY_BITMAP_SIZE_MAX || bytes < ((pages + 63n) / 64n) * 8n) {
    return fail('EINVAL', 'verify_bitmap_size: bitmap missing, too large or too small for the range');
  }
  return okVoid();
}

/** log2 of a power-of-two page size, or null for 0 (the kernel's __ffs(0) is undefined). */
export function pgshiftOf(pgsize: bigint): bigint | null {
  if (pgsize === 0n) return null;
  let s = 0n;
  while (((pgsize >> s) & 1n) === 0n) s++;
  return s;
}

interface Span {
  readonly dma: VfioDma;
  readonly word: bigint;
  readonly shift: bigint;
  readonly nbits: bigint;
}

function spanOf(dma: VfioDma, base: bigint, pgshift: bigint): Span {
  const bit = (dma.iova - base) >> pgshift;
  return { dma, word: bit / 64n, shift: bit % 64n, nbits: dma.size >> pgshift };
}

function accessible(mm: AddressSpace, addr: bigint, len: bigint): boolean {
  for (let a = addr; a < addr + len; ) {
    const v = mm.find(a);
    if (v === undefined || (v.prot & (PROT_READ | PROT_WRITE)) !== (PROT_READ | PROT_WRITE)) return false;
    a = v.end;
  }
  return true;
}

/** Check that every word the report of `dmas` touches is mapped read-write (EFAULT). */
export function checkBitmapWords(mm: AddressSpace, data: bigint, base: bigint, pgshift: bigint, dmas: readonly VfioDma[]): Result<void> {
  for (const d of dmas) {
    const s = spanOf(d, base, pgshift);
    const words = (s.nbits + s.shift + 63n) / 64n;
    if (!accessible(mm, data + s.word * 8n, words * 8n)) return fail('EFAULT', 'update_user_bitmap: bitmap buffer not writable');
  }
  return okVoid();
}

/** Write one mapping's bits (all dirty) into the user bitmap at `data`. */
export function writeDirtyBits(mm: AddressSpace, data: bigint, base: bigint, pgshift: bigint, dma: VfioDma): void {
  const s = spanOf(dma, base, pgshift);
  const total = s.nbits + s.shift;
  const words = Number((total + 63n) / 64n);
  const buf = new Uint8Array(words * 8);
  const view = new DataView(buf.buffer);
  const addr = data + s.word * 8n;
  let leftover = 0n;
  if (s.shift > 0n) {
    const cur = mm.load(addr, 8);
    if ('ok' in cur && cur.ok) leftover = new DataView(cur.value.buffer, cur.value.byteOffset, 8).getBigUint64(0, true) & ((1n << s.shift) - 1n);
  }
  for (let w = 0; w < words; w++) {
    const lo = BigInt(w) * 64n;
    const from = w === 0 ? s.shift : 0n;
    const to = total - lo >= 64n ? 64n : total - lo;
    // to > from always: a mapping has at least one page, so every word it spans gets a bit
    let word = ((1n << (to - from)) - 1n) << from;
    if (w === 0) word |= leftover;
    view.setBigUint64(w * 8, word, true);
  }
  mm.store(addr, buf);
}

/**
 * IOVA range arithmetic for an io_pagetable: closed intervals, their union and holes, and
 * the automatic IOVA choice (iopt_alloc_iova) over what is already used. Pure functions:
 * nothing here changes the ranges it is given.
 */
import { fail, ok, type Result } from '../../base/result.js';
import { PAGE_SIZE_N, U64_MAX } from '../../base/u64.js';

/** A closed IOVA interval [start, last]. */
export interface IovaRange {
  readonly start: bigint;
  readonly last: bigint;
}

/** THP size: iopt_alloc_iova() never aligns an automatic IOVA beyond it. */
const MAX_AUTO_ALIGN = 2n * 1024n * 1024n;

/** roundup_pow_of_two(). */
function roundupPow2(v: bigint): bigint {
  let p = 1n;
  while (p < v) p <<= 1n;
  return p;
}

/** Disjoint, sorted union of `ranges` (closed intervals). */
export function unionRanges(ranges: readonly IovaRange[]): IovaRange[] {
  const sorted = [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: Array<{ start: bigint; last: bigint }> = [];
  for (const r of sorted) {
    const top = out[out.length - 1];
    if (top !== undefined && r.start <= top.last + 1n) {
      if (r.last > top.last) top.last = r.last;
    } else out.push({ start: r.start, last: r.last });
  }
  return out;
}

/** The holes of `used` within [from, to]. */
export function rangeHoles(used: readonly IovaRange[], from: bigint, to: bigint): IovaRange[] {
  const out: IovaRange[] = [];
  let cur = from;
  for (const u of unionRanges(used)) {
    if (u.last < cur) continue;
    if (u.start > to) break;
    if (u.start > cur) out.push({ start: cur, last: u.start - 1n });
    if (u.last >= to) return out;
    cur = u.last + 1n;
  }
  if (cur <= to) out.push({ start: cur, last: to });
  return out;
}

/**
 * __alloc_iova_check_range(): ALIGN_UP start, keep the page offset, room for length. (The
 * kernel's overflow check of ALIGN_UP needs no twin here: in bigint an aligned start past
 * 2^64 simply lies beyond `last`.)
 */
function fit(start: bigint, last: bigint, length: bigint, align: bigint, pageOff: bigint): bigint | null {
  const s = ((start + align - 1n) & ~(align - 1n)) | pageOff;
  if (s > last || last - s < length - 1n) return null;
  return s;
}

/** The allowed list clipped to [lo, hi]. */
function allowedSpans(allowed: readonly IovaRange[], lo: bigint, hi: bigint): IovaRange[] {
  const out: IovaRange[] = [];
  for (const r of unionRanges(allowed)) {
    const s = r.start > lo ? r.start : lo;
    const l = r.last < hi ? r.last : hi;
    if (s <= l) out.push({ start: s, last: l });
  }
  return out;
}

/**
 * iopt_alloc_iova(): first fit, lowest address, inside the allowed list when there is one.
 * `used` (reserved ranges and areas) is asked for only once the arguments pass.
 */
export function allocIovaIn(addr: bigint, length: bigint, iovaAlignment: bigint, allowed: readonly IovaRange[], used: () => IovaRange[]): Result<bigint> {
  if (length === 0n || length >= U64_MAX / 2n) return fail('EOVERFLOW', 'iopt_alloc_iova: length 0 or too large');
  let align = roundupPow2(length);
  if (addr !== 0n) {
    const low = addr & -addr;
    if (low < align) align = low;
  }
  if (align >= MAX_AUTO_ALIGN) align = MAX_AUTO_ALIGN;
  if (align < iovaAlignment) return fail('EINVAL', 'iopt_alloc_iova: source alignment below iova_alignment');
  const pageOff = addr % PAGE_SIZE_N;
  const lo = PAGE_SIZE_N;
  const hi = U64_MAX - PAGE_SIZE_N;
  const spans = allowed.length === 0 ? [{ start: lo, last: hi }] : allowedSpans(allowed, lo, hi);
  const taken = used();
  for (const span of spans) {
    for (const h of rangeHoles(taken, span.start, span.last)) {
      const s = fit(h.start, h.last, length, align, pageOff);
      if (s !== null) return ok(s);
    }
  }
  return fail('ENOSPC', 'iopt_alloc_iova: no free IOVA range fits');
}

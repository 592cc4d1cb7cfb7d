/**
 * Device DMA dirty logging (vfio_main.c vfio_ioctl_device_feature_logging_start / _stop /
 * _report, with the driver half — log_start, log_stop, log_read_and_clear — done the way
 * mlx5 does it): the device records which IOVA pages it wrote inside the ranges given at
 * START; REPORT ORs their bits into a bitmap in the caller's memory and clears them.
 *
 * Payloads (`arg.data`): START `{ page_size, num_ranges, ranges }` where `ranges` is an
 * array of `{ iova, length }` (or a bigint user pointer to the C array); REPORT
 * `{ iova, length, page_size, bitmap }` where `bitmap` is the bigint address of the
 * caller's `__u64[]`.
 *
 * Invariants: checks run in the kernel's order and a failing call changes nothing (the
 * whole bitmap is checked writable before a bit is set); the kernel only ever sets bits.
 */
import { fail, failType, ok, type Result } from '../../base/result.js';
import type { DmaLogRange } from '../../hardware/devices/model-types.js';
import type { SyscallContext } from '../fs/file.js';
import { PROT_WRITE } from '../../uapi/posix.js';
import { U64_MAX } from '../../base/u64.js';
import { copyFromUser, copyNested, u32, u64, type UserArg } from '../uaccess.js';
import type { VfioPciCoreDevice } from './vfio-pci-core.js';

/** LOG_MAX_RANGES: the ranges must fit in one page. */
export const LOG_MAX_RANGES = 4096 / 16;

const aligned = (x: bigint, a: bigint): boolean => (x & BigInt.asUintN(64, a - 1n)) === 0n;

/** copy_from_user of range `i`: from the JS array, or from process memory at a user pointer. */
function rangeAt(ranges: unknown, i: number, ctx: SyscallContext): Result<DmaLogRange> {
  if (typeof ranges === 'bigint') {
    const r = ctx.task.mm.load(ranges + BigInt(16 * i), 16);
    if (!('ok' in r) || !r.ok) return fail('EFAULT', 'copy_from_user: ranges not readable');
    const v = new DataView(r.value.buffer, r.value.byteOffset, 16);
    return ok({ iova: v.getBigUint64(0, true), length: v.getBigUint64(8, true) });
  }
  if (ranges === undefined || ranges === null || ranges === 0n) return fail('EFAULT', 'copy_from_user: ranges is NULL');
  if (!Array.isArray(ranges)) return failType('arg.data.ranges', 'an array of { iova, length }', ranges);
  const e = ranges[i] as UserArg | undefined;
  if (e === undefined) return fail('EFAULT', 'copy_from_user: ranges shorter than num_ranges');
  if (e === null || typeof e !== 'object') return failType(`arg.data.ranges[${i}]`, 'of type object', e);
  const f = copyFromUser(e, 'vfio_device_feature_dma_logging_range', 16, `arg.data.ranges[${i}]`);
  if (!f.ok) return f;
  return ok({ iova: u64(f.value, 'iova'), length: u64(f.value, 'length') });
}

/** VFIO_DEVICE_FEATURE_DMA_LOGGING_START (SET). */
export function loggingStart(d: VfioPciCoreDevice, arg: UserArg, ctx: SyscallContext): Result<number> {
  const why = 'vfio_ioctl_device_feature_logging_start';
  const p = copyNested(arg, 'data', 'vfio_device_feature_dma_logging_control');
  if (!p.ok) return p;
  const ps = u64(p.value.f, 'page_size');
  const nr = u32(p.value.f, 'num_ranges');
  if (nr === 0) return fail('EINVAL', `${why}: num_ranges is 0`);
  if (nr > LOG_MAX_RANGES) return fail('E2BIG', `${why}: more than ${LOG_MAX_RANGES} ranges`);
  const ranges: DmaLogRange[] = [];
  for (let i = 0; i < nr; i++) {
    const r = rangeAt(p.value.obj['ranges'], i, ctx);
    if (!r.ok) return r;
    const { iova, length } = r.value;
    if (!aligned(iova, ps) || !aligned(length, ps)) return fail('EINVAL', `${why}: range ${i} not aligned to page_size`);
    if (iova + length > U64_MAX) return fail('EOVERFLOW', `${why}: range ${i} wraps`);
    const last = iova + length - 1n;
    if (ranges.some((o) => iova <= o.iova + o.length - 1n && o.iova <= last)) return fail('EINVAL', `${why}: range ${i} overlaps an earlier one`);
    ranges.push(r.value);
  }
  const log = d.model.dmaLog!;
  if (log.active) return fail('EINVAL', 'log_start: logging already active (mlx5)');
  let granule = 4096n;
  while (granule * 2n <= ps) granule *= 2n;
  log.start(ranges, granule);
  p.value.obj['page_size'] = granule; // the driver's granule, written back with the struct
  if (arg['data'] === undefined) arg['data'] = p.value.obj;
  d.trace(`DMA logging started: ${ranges.length} range(s), ${granule}-byte pages`);
  return ok(0);
}

/** VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP (SET): stopping an idle log is not an error. */
export function loggingStop(d: VfioPciCoreDevice): Result<number> {
  d.model.dmaLog!.stop();
  return ok(0);
}

/** Is [addr, addr + len) mapped writable in the caller (pin_user_pages(FOLL_WRITE))? */
function writable(ctx: SyscallContext, addr: bigint, len: bigint): boolean {
  for (let a = addr; a < addr + len;) {
    const v = ctx.task.mm.find(a);
    if (v === undefined || (v.prot & PROT_WRITE) === 0) return false;
    a = v.end;
  }
  return true;
}

/** VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT (GET). */
export function loggingReport(d: VfioPciCoreDevice, arg: UserArg, ctx: SyscallContext): Result<number> {
  const why = 'vfio_ioctl_device_feature_logging_report';
  const p = copyNested(arg, 'data', 'vfio_device_feature_dma_logging_report');
  if (!p.ok) return p;
  // the bitmap is written through in process memory: it must be an address (bigint)
  const bitmap = p.value.obj['bitmap'];
  if (bitmap !== undefined && typeof bitmap !== 'bigint') return failType('arg.data.bitmap', 'of type bigint', bitmap);
  const [iova, length, pgsz] = (['iova', 'length', 'page_size'] as const).map((n) => u64(p.value.f, n)) as [bigint, bigint, bigint];
  if (pgsz < 4096n || (pgsz & (pgsz - 1n)) !== 0n) return fail('EINVAL', `${why}: page_size not a power of two >= 4096`);
  if (iova + length > U64_MAX) return fail('EOVERFLOW', `${why}: iova + length wraps`);
  const base = u64(p.value.f, 'bitmap');
  const words = (length / pgsz + 63n) / 64n;
  if (length > 0n && (base === 0n || !writable(ctx, base, words * 8n))) return fail('EFAULT', 'iova_bitmap: bitmap not writable');
  const log = d.model.dmaLog!;
  if (!log.active) return fail('EINVAL', 'log_read_and_clear: logging not started (mlx5)');
  const set = new Map<bigint, bigint>();
  for (const page of log.readAndClear(iova, length)) {
    const lo = page > iova ? page : iova;
    const hi = page + log.granule < iova + length ? page + log.granule : iova + length;
    for (let bit = (lo - iova) / pgsz; bit * pgsz + iova < hi; bit++) set.set(bit / 64n, (set.get(bit / 64n) ?? 0n) | (1n << (bit % 64n)));
  }
  for (const [w, bits] of [...set].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const at = base + w * 8n;
    const cur = ctx.task.mm.load(at, 8);
    const old = 'ok' in cur && cur.ok ? new DataView(cur.value.buffer, cur.value.byteOffset, 8).getBigUint64(0, true) : 0n;
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, old | bits, true);
    ctx.task.mm.store(at, out);
  }
  return ok(0);
}

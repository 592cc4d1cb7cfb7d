/**
 * Client memory as simulated memory. The simulated process of a real program has no RAM of
 * its own: when the program hands the kernel a buffer (MAP_DMA's vaddr, IOAS_MAP's user_va, a
 * bitmap pointer), the range is mapped in the simulated address space with the program's own
 * protections and each of its frames is attached to PhysMem's external-frame seam, backed by
 * the program's page at that address. Pinning, the IOMMU and a device's DMA then reach the
 * program's real memory; a page the program did not map is not mirrored, so the kernel's own
 * checks answer EFAULT. Pages stay mirrored for the program's lifetime (the program's later
 * munmap is not seen; DMA to such a page is dropped and reads as zero).
 */
import type { FrameBackend } from '../../hardware/memory/external.js';
import type { PhysMem } from '../../hardware/memory/phys-mem.js';
import type { Process } from '../../process/process.js';
import { MAP_ANONYMOUS, MAP_FIXED_NOREPLACE, MAP_HUGETLB, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '../../uapi/posix.js';
import type { ClientMemory } from './client-memory.js';

const PAGE = 4096n;
/** Mirrors up to this size are populated before the call; larger ones are attached after it. */
const EAGER = 1n << 20n;

export class Mirror implements FrameBackend {
  /**
   * Attached frames as extents sorted by pfn: frames [pfns[i], pfns[i] + counts[i]) back the
   * program's pages from vas[i] on (user addresses < 2^47 are exact numbers).
   */
  private readonly pfns: number[] = [];
  private readonly counts: number[] = [];
  private readonly vas: number[] = [];
  /** The program's MAP_HUGETLB ranges (served as ordinary memory by the real kernel): start → [end, mmap flags]. */
  private readonly huge = new Map<bigint, readonly [bigint, number]>();

  constructor(
    private readonly p: Process,
    private readonly phys: PhysMem,
    private readonly mem: ClientMemory,
  ) {}

  read(pfn: number, off: number, dst: Uint8Array, dstOff: number, len: number): void {
    this.runs(pfn, off, len, (va, o, n) => {
      if (va === undefined || !this.mem.readInto(BigInt(va), dst, dstOff + o, n)) dst.fill(0, dstOff + o, dstOff + o + n);
    });
  }

  write(pfn: number, off: number, src: Uint8Array, srcOff: number, len: number): void {
    this.runs(pfn, off, len, (va, o, n) => {
      if (va !== undefined) this.mem.write(BigInt(va), src, srcOff + o, n);
    });
  }

  /** [off, off + len) from frame `pfn` on, as runs contiguous in the program's address space (one syscall each). */
  private runs(pfn: number, off: number, len: number, each: (va: number | undefined, bufOff: number, n: number) => void): void {
    let done = 0;
    let i = this.extentAfter(pfn) - 1;
    while (done < len) {
      const at = pfn * 4096 + off + done;
      const f = Math.floor(at / 4096);
      while (i + 1 < this.pfns.length && this.pfns[i + 1]! <= f) i++;
      const inside = i >= 0 && f < this.pfns[i]! + this.counts[i]!;
      const limit = inside ? this.pfns[i]! + this.counts[i]! : i + 1 < this.pfns.length ? this.pfns[i + 1]! : Infinity;
      const n = Math.min(len - done, limit * 4096 - at);
      each(inside ? this.vas[i]! + (at - this.pfns[i]! * 4096) : undefined, done, n);
      done += n;
    }
  }

  /** Index of the first extent starting after `pfn`. */
  private extentAfter(pfn: number): number {
    let lo = 0;
    let hi = this.pfns.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.pfns[mid]! <= pfn) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Frames [pfn, pfn + n) back the program's pages from `va` on (they were not attached before). */
  private addExtent(pfn: number, n: number, va: number): void {
    let i = this.extentAfter(pfn);
    const prev = i - 1;
    if (prev >= 0 && this.pfns[prev]! + this.counts[prev]! === pfn && this.vas[prev]! + this.counts[prev]! * 4096 === va) {
      this.counts[prev] = this.counts[prev]! + n;
    } else {
      this.pfns.splice(i, 0, pfn);
      this.counts.splice(i, 0, n);
      this.vas.splice(i, 0, va);
      i++;
    }
    this.phys.external.attachRun(pfn, n, this);
  }

  /** The program asked for MAP_HUGETLB at [start, end): mirror it with simulated huge pages. */
  addHuge(start: bigint, end: bigint, flags: number): void {
    this.huge.set(start, [end, flags]);
  }

  /** A forked child: its simulated pages at the parent's mirrored addresses are copies; they are the child's own pages. */
  adopt(parent: Mirror): void {
    for (const [s, h] of parent.huge) this.huge.set(s, h);
    for (let i = 0; i < parent.pfns.length; i++) this.attach(BigInt(parent.vas[i]!), BigInt(parent.counts[i]!) << 12n);
  }

  /** Mirror every page of [addr, addr + len) the program has mapped and the simulated process has not. */
  ensure(addr: bigint, len: bigint): void {
    let start = addr & ~(PAGE - 1n);
    let end = (addr + len + PAGE - 1n) & ~(PAGE - 1n);
    if (end <= start || end - start > 1n << 36n) return;
    const mm = this.p.task.mm;
    for (const [s, [e, flags]] of this.huge) {
      if (s < end && start < e && mm.find(s) === undefined) {
        this.mapRun(s, e, PROT_READ | PROT_WRITE, MAP_HUGETLB | flags);
        if (s < start) start = s;
        if (e > end) end = e;
      }
    }
    for (const m of this.mem.mappings(start, end)) {
      const prot = (m.read ? PROT_READ : 0) | (m.write ? PROT_WRITE : 0);
      if (prot === 0) continue;
      const s = m.start > start ? m.start : start;
      const e = m.end < end ? m.end : end;
      for (const [hs, he] of mm.holes(s, e)) this.mapRun(hs, he, prot);
    }
  }

  private mapRun(start: bigint, end: bigint, prot: number, extra = 0): void {
    const mm = this.p.task.mm;
    const r = mm.map(start, end - start, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | extra, null);
    if (!r.ok || end - start > EAGER) return;
    // small ranges (bitmaps, uuids) are populated now: the kernel may store into them during the call
    const pinned = mm.pin(start, end - start, false);
    if (!pinned.ok) return;
    mm.unpin(pinned.value);
    this.attach(start, end - start);
  }

  /**
   * Attach the frames now behind [addr, addr + len) (populated by the kernel's pin during the
   * call, before any device can reach them) to the program's pages.
   */
  attach(addr: bigint, len: bigint): void {
    const start = addr & ~(PAGE - 1n);
    for (const r of this.p.task.mm.frameRuns(start, addr + len - start)) {
      // frames already attached to these pages stay; the others are attached in runs (an
      // extent and a run are both linear, so one address check settles their whole overlap)
      for (let k = 0; k < r.n; ) {
        const f = r.pfn + k;
        const va = (r.vpn + k) * 4096;
        const i = this.extentAfter(f) - 1;
        if (i >= 0 && f < this.pfns[i]! + this.counts[i]!) {
          const m = Math.min(r.n - k, this.pfns[i]! + this.counts[i]! - f);
          if (this.vas[i]! + (f - this.pfns[i]!) * 4096 !== va) {
            this.dropFrames(f, m);
            this.addExtent(f, m, va);
          }
          k += m;
          continue;
        }
        const m = Math.min(r.n - k, i + 1 < this.pfns.length ? this.pfns[i + 1]! - f : Infinity);
        this.addExtent(f, m, va);
        k += m;
      }
    }
  }

  /** Forget frames [pfn, pfn + n) (attached to other pages before: a frame the simulator reused). */
  private dropFrames(pfn: number, n: number): void {
    for (let i = Math.max(0, this.extentAfter(pfn) - 1); i < this.pfns.length && this.pfns[i]! < pfn + n; ) {
      const s = this.pfns[i]!;
      const e = s + this.counts[i]!;
      if (e <= pfn) {
        i++;
        continue;
      }
      const va = this.vas[i]!;
      this.pfns.splice(i, 1);
      this.counts.splice(i, 1);
      this.vas.splice(i, 1);
      if (s < pfn) {
        this.pfns.splice(i, 0, s);
        this.counts.splice(i, 0, pfn - s);
        this.vas.splice(i++, 0, va);
      }
      if (e > pfn + n) {
        this.pfns.splice(i, 0, pfn + n);
        this.counts.splice(i, 0, e - pfn - n);
        this.vas.splice(i++, 0, va + (pfn + n - s) * 4096);
      }
    }
    this.phys.external.detachRun(pfn, n);
  }

  /** Before the simulated process exits: its frames go back to simulated RAM (freeing zeroes them). */
  detachAll(): void {
    for (let i = 0; i < this.pfns.length; i++) this.phys.external.detachRun(this.pfns[i]!, this.counts[i]!);
    this.pfns.length = 0;
    this.counts.length = 0;
    this.vas.length = 0;
  }
}

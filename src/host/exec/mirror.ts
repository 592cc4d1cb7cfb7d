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
  /** Attached frame → the program's virtual address of that page (user addresses < 2^47 are exact numbers). */
  private readonly frames = new Map<number, number>();
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
    while (done < len) {
      const first = pfn + Math.floor((off + done) / 4096);
      const base = this.frames.get(first);
      const start = (off + done) % 4096;
      let n = Math.min(len - done, 4096 - start);
      for (let k = 1; done + n < len; k++) {
        const va = this.frames.get(first + k);
        if (base === undefined || va !== base + 4096 * k) break;
        n = Math.min(len - done, n + 4096);
      }
      each(base === undefined ? undefined : base + start, done, n);
      done += n;
    }
  }

  /** The program asked for MAP_HUGETLB at [start, end): mirror it with simulated huge pages. */
  addHuge(start: bigint, end: bigint, flags: number): void {
    this.huge.set(start, [end, flags]);
  }

  /** A forked child: its simulated pages at the parent's mirrored addresses are copies; they are the child's own pages. */
  adopt(parent: Mirror): void {
    const mm = this.p.task.mm;
    for (const [s, h] of parent.huge) this.huge.set(s, h);
    for (const va of parent.frames.values()) {
      const pa = mm.virtToPhys(BigInt(va));
      if (pa === null) continue;
      this.frames.set(Number(pa >> 12n), va);
      this.phys.external.attach(Number(pa >> 12n), this);
    }
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
      let run: bigint | null = null;
      for (let a = s; a <= e; a += PAGE) {
        const free = a < e && mm.find(a) === undefined;
        if (free && run === null) run = a;
        if (!free && run !== null) {
          this.mapRun(run, a, prot);
          run = null;
        }
      }
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
    const mm = this.p.task.mm;
    const start = addr & ~(PAGE - 1n);
    for (let a = start; a < addr + len; a += PAGE) {
      const pa = mm.virtToPhys(a);
      if (pa === null) continue;
      const pfn = Number(pa >> 12n);
      if (this.frames.get(pfn) === Number(a)) continue;
      this.frames.set(pfn, Number(a));
      this.phys.external.attach(pfn, this);
    }
  }

  /** Before the simulated process exits: its frames go back to simulated RAM (freeing zeroes them). */
  detachAll(): void {
    for (const pfn of this.frames.keys()) this.phys.external.detach(pfn);
    this.frames.clear();
  }
}

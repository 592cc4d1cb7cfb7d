/**
 * Client memory as simulated memory. The simulated process of a real program has no RAM of
 * its own: when the program hands the kernel a buffer (MAP_DMA's vaddr, IOAS_MAP's user_va, a
 * bitmap pointer), the range is mapped in the simulated address space with the program's own
 * protections and its frames are attached to PhysMem's external-frame seam, backed by the
 * program's pages. Pinning, the IOMMU and a device's DMA then reach the program's real memory;
 * a page the program did not map is not mirrored, so the kernel's own checks answer EFAULT.
 *
 * A large anonymous buffer is first made shared memory by the shim (ensure() asks for it,
 * the shim answers with shared()): its frames are then backed by the memfd at a file
 * position — DMA is a pread/pwrite of that file, and a pinned page outlives the program's
 * munmap of it, as in Linux. Other memory is reached through /proc/<pid>/mem at its address.
 * The program's munmap (forget()) detaches the frames that are not pinned.
 */
import type { FrameBackend } from '../../hardware/memory/external.js';
import type { PhysMem } from '../../hardware/memory/phys-mem.js';
import type { Process } from '../../process/process.js';
import { MAP_ANONYMOUS, MAP_FIXED_NOREPLACE, MAP_HUGETLB, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '../../uapi/posix.js';
import type { ClientMemory, RealMapping } from './client-memory.js';
import { FrameExtents, shift } from './frame-extents.js';

const PAGE = 4096n;
/** Mirrors up to this size are populated before the call; larger ones are attached after it. */
const EAGER = 1n << 20n;
/** Anonymous buffers from this size on are shared by the shim before they are mirrored. */
const SHARE_MIN = 64n << 10n;

interface SharedRange {
  readonly start: number;
  end: number;
  /** The server's fd of the program's memfd; -1 when the shim declined to share. */
  readonly file: number;
  /** File position of `start`. */
  readonly pos: number;
}

export class Mirror implements FrameBackend {
  private readonly extents = new FrameExtents();
  /** The program's shared (or declined) ranges, by address. */
  private readonly shares: SharedRange[] = [];
  /** The program's MAP_HUGETLB ranges (served as ordinary memory by the real kernel): start → [end, mmap flags]. */
  private readonly huge = new Map<bigint, readonly [bigint, number]>();

  constructor(
    private readonly p: Process,
    private readonly phys: PhysMem,
    private readonly mem: ClientMemory,
    /** Whether a shim is there to share buffers (false: every page through /proc/<pid>/mem). */
    private readonly canShare = true,
  ) {}

  read(pfn: number, off: number, dst: Uint8Array, dstOff: number, len: number): void {
    this.pieces(pfn, off, len, (x, at, o, n) => {
      const done = x === undefined ? false : x.file < 0 ? this.mem.readInto(BigInt(x.va + at), dst, dstOff + o, n) : this.mem.readFile(x.file, x.pos + at, dst, dstOff + o, n);
      if (!done) dst.fill(0, dstOff + o, dstOff + o + n);
    });
  }

  write(pfn: number, off: number, src: Uint8Array, srcOff: number, len: number): void {
    this.pieces(pfn, off, len, (x, at, o, n) => {
      if (x === undefined) return;
      if (x.file < 0) this.mem.write(BigInt(x.va + at), src, srcOff + o, n);
      else this.mem.writeFile(x.file, x.pos + at, src, srcOff + o, n);
    });
  }

  /** [off, off + len) from frame `pfn` on, split by extent (one syscall each): `at` is the byte offset into the extent. */
  private pieces(pfn: number, off: number, len: number, each: (x: ReturnType<FrameExtents['find']>, at: number, bufOff: number, n: number) => void): void {
    for (let done = 0; done < len; ) {
      const a = pfn * 4096 + off + done;
      const f = Math.floor(a / 4096);
      const i = this.extents.after(f);
      const x = this.extents.find(f);
      const limit = x !== undefined ? x.pfn + x.n : i < this.extents.length ? this.extents.at(i).pfn : Infinity;
      const n = Math.min(len - done, limit * 4096 - a);
      each(x, x === undefined ? 0 : a - x.pfn * 4096, done, n);
      done += n;
    }
  }

  /** The program asked for MAP_HUGETLB at [start, end): mirror it with simulated huge pages. */
  addHuge(start: bigint, end: bigint, flags: number): void {
    this.huge.set(start, [end, flags]);
  }

  /** A forked child: its simulated pages at the parent's mirrored addresses are copies; they are the child's own pages. */
  adopt(parent: Mirror): void {
    for (const [s, h] of parent.huge) this.huge.set(s, h);
    for (let i = 0; i < parent.extents.length; i++) {
      const x = parent.extents.at(i);
      this.attach(BigInt(x.va), BigInt(x.n) << 12n);
    }
  }

  /**
   * Mirror every page of [addr, addr + len) the program has mapped and the simulated process
   * has not. Returns the ranges the shim should share first (then nothing was mirrored).
   */
  ensure(addr: bigint, len: bigint): Array<[bigint, bigint]> {
    const start = addr & ~(PAGE - 1n);
    const end = (addr + len + PAGE - 1n) & ~(PAGE - 1n);
    if (end <= start || end - start > 1n << 36n) return [];
    const real = this.mem.mappings(start, end);
    if (this.canShare && end - start >= SHARE_MIN && this.p.task.mm.holes(start, end).length > 0 && !this.decided(start, end) && real.length > 0 && real.every((m) => m.anon && m.read)) return [[start, end]];
    this.mirrorRange(start, end, real);
    return [];
  }

  /** Mirror the holes of [start, end) (page aligned), `real` being the program's mappings there. */
  private mirrorRange(start: bigint, end: bigint, real: RealMapping[]): void {
    const [start0, end0] = [start, end];
    const mm = this.p.task.mm;
    for (const [s, [e, flags]] of this.huge) {
      if (s < end && start < e && mm.find(s) === undefined) {
        this.mapRun(s, e, PROT_READ | PROT_WRITE, MAP_HUGETLB | flags);
        if (s < start) start = s;
        if (e > end) end = e;
      }
    }
    for (const m of start === start0 && end === end0 ? real : this.mem.mappings(start, end)) {
      const prot = (m.read ? PROT_READ : 0) | (m.write ? PROT_WRITE : 0);
      if (prot === 0) continue;
      const s = m.start > start ? m.start : start;
      const e = m.end < end ? m.end : end;
      for (const [hs, he] of mm.holes(s, e)) this.mapRun(hs, he, prot);
    }
  }

  /**
   * The program reads its own /proc/self/pagemap for [start, end): the pages it has in memory
   * (its real pagemap's present or swapped bit) are mirrored and populated, so the simulated
   * pagemap answers present, with the simulated PFN, where Linux would.
   */
  present(start: bigint, end: bigint): void {
    if (end <= start || end - start > 1n << 36n) return;
    const bits = this.mem.pagemap(start >> 12n, Number((end - start) >> 12n));
    if (bits === null) return;
    const mm = this.p.task.mm;
    for (let i = 0; i < bits.length; ) {
      if ((bits[i]! >> 62n) === 0n) {
        i++;
        continue;
      }
      let j = i + 1;
      while (j < bits.length && (bits[j]! >> 62n) !== 0n) j++;
      const s = start + (BigInt(i) << 12n);
      const e = start + (BigInt(j) << 12n);
      this.mirrorRange(s, e, this.mem.mappings(s, e));
      const pinned = mm.pin(s, e - s, false);
      if (pinned.ok) {
        mm.unpin(pinned.value);
        this.attach(s, e - s);
      }
      i = j;
    }
  }

  /** Was [start, end) shared (or declined) already, as a whole? */
  private decided(start: bigint, end: bigint): boolean {
    let a = Number(start);
    for (const r of [...this.shares].sort((x, y) => x.start - y.start)) if (r.start <= a && r.end > a) a = r.end;
    return a >= Number(end);
  }

  /** The shim shared [addr, addr + len) as its fd `fd` (or declined: fd < 0). */
  shared(addr: bigint, len: bigint, fd: number): void {
    const file = fd < 0 ? -1 : (this.mem.openFile(fd) ?? -1);
    this.trim(Number(addr), Number(addr + len));
    this.shares.push({ start: Number(addr), end: Number(addr + len), file, pos: 0 });
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
      for (let k = 0; k < r.n; ) {
        const va = (r.vpn + k) * 4096;
        const b = this.backingAt(va);
        const m = Math.min(r.n - k, Math.ceil((b.until - va) / 4096));
        const want = { pfn: r.pfn + k, n: m, va, file: b.file, pos: b.pos };
        this.reattach(want);
        k += m;
      }
    }
  }

  /** Make frames want.pfn.. back exactly `want` (frames attached elsewhere are moved: the simulator reused them). */
  private reattach(want: { pfn: number; n: number; va: number; file: number; pos: number }): void {
    for (let k = 0; k < want.n; ) {
      const f = want.pfn + k;
      const x = this.extents.find(f);
      const part = shift(want, k, 0);
      if (x !== undefined) {
        const m = Math.min(want.n - k, x.pfn + x.n - f);
        const same = x.va + (f - x.pfn) * 4096 === part.va && x.file === part.file && (x.file < 0 || x.pos + (f - x.pfn) * 4096 === part.pos);
        if (!same) {
          this.extents.remove(f, m);
          this.extents.add(shift(want, k, m));
        }
        k += m;
        continue;
      }
      const i = this.extents.after(f);
      const m = Math.min(want.n - k, i < this.extents.length ? this.extents.at(i).pfn - f : Infinity);
      this.extents.add(shift(want, k, m));
      this.phys.external.attachRun(f, m, this);
      k += m;
    }
  }

  /** Where the program's page at `va` lives, and up to which address that holds. */
  private backingAt(va: number): { file: number; pos: number; until: number } {
    let until = Infinity;
    for (const r of this.shares) {
      if (r.file >= 0 && r.start <= va && va < r.end) return { file: r.file, pos: r.pos + (va - r.start), until: r.end };
      if (r.file >= 0 && r.start > va && r.start < until) until = r.start;
    }
    return { file: -1, pos: 0, until };
  }

  /**
   * The program unmaps [addr, addr + len): frames there that are not pinned are detached
   * (the simulated munmap then frees them); pinned ones keep their backing — for shared
   * memory the program's pages, which the server's open memfd keeps alive.
   */
  forget(addr: bigint, len: bigint): void {
    const s = Number(addr);
    const e = Number(addr + len);
    const pins = this.p.task.mm.pins;
    const drop: Array<[number, number]> = [];
    for (let i = 0; i < this.extents.length; i++) {
      const x = this.extents.at(i);
      const lo = Math.max(s, x.va);
      const hi = Math.min(e, x.va + x.n * 4096);
      for (let f = x.pfn + Math.ceil((lo - x.va) / 4096), last = x.pfn + Math.ceil((hi - x.va) / 4096); f < last; f++) {
        if (pins.count(f) > 0) continue;
        const d = drop[drop.length - 1];
        if (d !== undefined && d[0] + d[1] === f) d[1]++;
        else drop.push([f, 1]);
      }
    }
    for (const [f, n] of drop) {
      this.extents.remove(f, n);
      this.phys.external.detachRun(f, n);
    }
    this.trim(s, e);
    // a MAP_HUGETLB range the program unmaps (even in part: hugetlb VMAs split only at huge page edges) is gone
    for (const [hs, [he]] of [...this.huge]) if (hs < addr + len && addr < he) this.huge.delete(hs);
  }

  /** Shared ranges lose [s, e) (later buffers there are new memory). */
  private trim(s: number, e: number): void {
    for (let i = 0; i < this.shares.length; ) {
      const r = this.shares[i]!;
      if (r.end <= s || r.start >= e) {
        i++;
        continue;
      }
      this.shares.splice(i, 1);
      if (r.start < s) this.shares.splice(i++, 0, { ...r, end: s });
      if (r.end > e) this.shares.splice(i++, 0, { start: e, end: r.end, file: r.file, pos: r.pos + (e - r.start) });
    }
  }

  /** Before the simulated process exits: its frames go back to simulated RAM (freeing zeroes them). */
  detachAll(): void {
    for (let i = 0; i < this.extents.length; i++) {
      const x = this.extents.at(i);
      this.phys.external.detachRun(x.pfn, x.n);
    }
    this.extents.clear();
  }
}

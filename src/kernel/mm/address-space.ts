/**
 * A process's address space (Linux's mm_struct): its VMAs, how virtual pages reach
 * physical frames, CPU loads and stores, and page pinning for DMA. The VMA lookups and
 * placement are in vma-search.ts, the CPU access walk in cpu-access.ts, the pin counts in
 * pin-table.ts, the address-space bounds in mm-constants.ts; the PROT_* / MAP_* flags are
 * uapi/posix.ts's.
 *
 * Invariants:
 * - VMAs are page-aligned, non-empty, non-overlapping and kept sorted by start.
 * - A frame belongs to at most one private anonymous page, or to one shmem object (shared
 *   by every mapping of it). A pinned frame stays allocated while pinned, even after munmap
 *   or exit; the last unpin frees it (Linux's page refcount). The pin table that decides
 *   this is shared by a process and the children it forks (`fork()`), since shmem frames
 *   are; `pinnedFrames()` counts only the pins taken through this address space.
 * - `lockedVm` counts pages accounted against RLIMIT_MEMLOCK by pinning users (type1,
 *   iommufd); only they change it.
 */
import { fail, ok, okVoid, type Result } from '../../base/result.js';
import { PAGE_SHIFT } from '../../base/u64.js';
import type { DeviceMapping } from '../fs/file.js';
import { walkAccess, type AccessPiece } from './cpu-access.js';
import type { FramePool, PhysAccess } from './frames.js';
import { forkVmas } from './fork-copy.js';
import { MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_HUGETLB, MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE } from '../../uapi/posix.js';
import { hugetlbPages, MMAP_MIN_ADDR, TASK_SIZE, type AccessFault, type PinnedRun } from './mm-constants.js';
import { PinTable } from './pin-table.js';
import { pinWalk } from './pin-walk.js';
import { ShmemObject } from './shmem.js';
import { anonBacking, vmaBlockPages, type Vma } from './vma.js';
import { beyondObject, frameOf, frameRunsOf, populatePage, populateRun, releaseAnon, type FrameRun } from './vma-pages.js';
import { placeMapping, vmaHoles, vmaIndexOf, vmaLowerBound, vmaOverlaps } from './vma-search.js';

const PAGE = 1n << BigInt(PAGE_SHIFT);

/** A pool whose frees do nothing: the per-mm pin counter only counts. */
const COUNT_ONLY: FramePool = { alloc: () => null, free: () => {} };

export class AddressSpace {
  private readonly vmas: Vma[] = [];
  /** Pin counts deciding frame lifetime, shared with forked children (see the invariants). */
  readonly pins: PinTable;
  /** Pins taken through this address space (pinnedFrames()). */
  private readonly ownPins = new PinTable(COUNT_ONLY);
  /** Pages charged to RLIMIT_MEMLOCK (mm->locked_vm). */
  lockedVm = 0n;
  /** Pages pinned (mm->pinned_vm), which iommufd's accounting modes use. */
  pinnedVm = 0n;

  constructor(
    private readonly frames: FramePool,
    private readonly phys: PhysAccess,
    pins?: PinTable,
  ) {
    this.pins = pins ?? new PinTable(frames);
  }

  /**
   * fork(2)'s dup_mmap(): a new address space with a copy of every VMA. Private anonymous
   * pages are copied (copy-on-write seen as copies: a pinned page stays with this mm, the
   * child gets its own copy, as copy_present_page does); shmem and device mappings are
   * shared (vm_ops->open on each device VMA). locked_vm and pinned_vm start at 0 (mm_init).
   * ENOMEM when the copies do not fit; then nothing changed.
   */
  fork(): Result<AddressSpace> {
    const child = new AddressSpace(this.frames, this.phys, this.pins);
    const r = forkVmas(this.vmas, this.frames, this.phys, (pfn) => this.pins.dropFrame(pfn));
    if (!r.ok) return r;
    child.vmas.push(...r.value);
    return ok(child);
  }

  /** A shmem object (a memfd) owned by this process's family; it starts with one user. */
  newShmem(size: bigint, blockPages: number, name: string): ShmemObject {
    const zero = (pa: bigint, len: bigint) => this.phys.write(pa, new Uint8Array(Number(len)));
    return new ShmemObject(this.frames, zero, this.pins, size, blockPages, name);
  }

  /** The VMAs, in address order (read-only snapshot). */
  list(): ReadonlyArray<Readonly<Vma>> {
    return this.vmas.map((v) => ({ ...v }));
  }

  find(addr: bigint): Vma | undefined {
    const i = vmaIndexOf(this.vmas, addr);
    return i >= 0 ? this.vmas[i] : undefined;
  }

  private lowerBound(addr: bigint): number {
    return vmaLowerBound(this.vmas, addr);
  }

  private overlaps(start: bigint, end: bigint): boolean {
    return vmaOverlaps(this.vmas, start, end);
  }

  /**
   * Create a mapping (do_mmap after the caller checked flags and the file). Returns the address.
   * MAP_FIXED replaces whatever was there; MAP_FIXED_NOREPLACE fails EEXIST instead.
   */
  map(addr: bigint, len: bigint, prot: number, flags: number, device: DeviceMapping | ShmemObject | null, pgoff = 0n, mayMapLow = false): Result<bigint> {
    if (len === 0n) return fail('EINVAL', 'do_mmap: zero length');
    const huge = device === null && flags & MAP_HUGETLB ? hugetlbPages(flags) : device instanceof ShmemObject ? device.blockPages : 1;
    if (huge === null) return fail('EINVAL', 'ksys_mmap_pgoff: no hstate of the MAP_HUGE_* size');
    const align = PAGE * BigInt(huge);
    const length = (len + align - 1n) & ~(align - 1n);
    if (length > TASK_SIZE) return fail('ENOMEM', 'do_mmap: length exceeds TASK_SIZE');
    let start: bigint | null;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
      // __get_unmapped_area's order: a hugetlb file's get_unmapped_area first
      // (prepare_hugepage_range: EINVAL), then the range (ENOMEM), the alignment (EINVAL),
      // then security_mmap_addr -> cap_mmap_addr: below mmap_min_addr needs CAP_SYS_RAWIO (EPERM).
      if (huge > 1 && addr & (align - 1n)) return fail('EINVAL', 'hugetlb_get_unmapped_area: prepare_hugepage_range: MAP_FIXED address not huge-page aligned');
      if (addr > TASK_SIZE - length) return fail('ENOMEM', '__get_unmapped_area: fixed address beyond TASK_SIZE - len');
      if (addr & (PAGE - 1n)) return fail('EINVAL', '__get_unmapped_area: MAP_FIXED address not page aligned');
      if (addr < MMAP_MIN_ADDR && !mayMapLow) return fail('EPERM', 'cap_mmap_addr: below mmap_min_addr without CAP_SYS_RAWIO');
      if (flags & MAP_FIXED_NOREPLACE && this.overlaps(addr, addr + length)) return fail('EEXIST', 'do_mmap: MAP_FIXED_NOREPLACE over an existing mapping');
      if (flags & MAP_FIXED) {
        const s = this.checkSplit(addr, addr + length);
        if (!s.ok) return s;
      }
      start = addr;
    } else {
      start = placeMapping(this.vmas, addr & ~(align - 1n), length, huge > 1 ? align : undefined);
      if (start === null) return fail('ENOMEM', 'get_unmapped_area: no room');
    }
    if (flags & MAP_FIXED) this.unmapRange(start, start + length);
    const vma: Vma = { start, end: start + length, prot, flags, backing: this.newBacking(device, flags, huge, length, pgoff) };
    this.vmas.splice(this.lowerBound(start), 0, vma);
    return ok(start);
  }

  /** The backing of a new VMA: the driver's, a shmem object's (shmem_zero_setup for MAP_SHARED anonymous), or private anonymous. */
  private newBacking(device: DeviceMapping | ShmemObject | null, flags: number, huge: number, length: bigint, pgoff: bigint): Vma['backing'] {
    if (device instanceof ShmemObject) return { kind: 'shmem', obj: device.mapGet(), pgoff, cow: (flags & 0x0f) === MAP_PRIVATE ? anonBacking(1) : null };
    if (device !== null) return { kind: 'device', mapping: device, pgoff };
    if ((flags & 0x0f) !== 0x02 && flags & MAP_SHARED) {
      const obj = this.newShmem(length, huge, huge > 1 ? 'anon_hugepage (deleted)' : '/dev/zero (deleted)');
      obj.maps = 1;
      return { kind: 'shmem', obj, pgoff: 0n, cow: null };
    }
    return huge > 1 ? anonBacking(huge, true) : anonBacking();
  }

  /** A cut at `at` inside a hugetlb VMA must be huge-page aligned (hugetlb_vm_op_split: EINVAL). */
  private checkSplit(start: bigint, end: bigint): Result<void> {
    for (const at of [start, end]) {
      const v = this.find(at);
      if (v === undefined || v.start === at) continue;
      const bytes = BigInt(vmaBlockPages(v)) << 12n;
      if (at & (bytes - 1n)) return fail('EINVAL', 'hugetlb_vm_op_split: cut not aligned to the huge page size');
    }
    return okVoid();
  }

  /**
   * munmap(2) (do_vmi_munmap): addr page aligned and inside user space, len at most what is
   * left above it, and not zero after page rounding; unmapping holes is not an error.
   */
  unmap(addr: bigint, len: bigint): Result<void> {
    if (addr & (PAGE - 1n) || addr > TASK_SIZE || len > TASK_SIZE - addr) return fail('EINVAL', 'do_vmi_munmap: unaligned address or range outside the user address space');
    const end = addr + ((len + PAGE - 1n) & ~(PAGE - 1n));
    if (end === addr) return fail('EINVAL', 'do_vmi_munmap: zero length');
    const s = this.checkSplit(addr, end);
    if (!s.ok) return s;
    this.unmapRange(addr, end);
    return okVoid();
  }

  /** Remove [start, end) from every VMA it touches, splitting at the edges. */
  private unmapRange(start: bigint, end: bigint): void {
    let i = this.lowerBound(start);
    while (i < this.vmas.length && this.vmas[i]!.start < end) {
      const v = this.vmas[i]!;
      const cutStart = v.start > start ? v.start : start;
      const cutEnd = v.end < end ? v.end : end;
      this.releasePages(v, cutStart, cutEnd);
      if (cutStart > v.start && cutEnd < v.end) {
        const tail: Vma = { ...v, start: cutEnd, backing: this.splitBacking(v, cutEnd) };
        v.end = cutStart;
        this.vmas.splice(i + 1, 0, tail);
        return;
      }
      if (cutStart > v.start) {
        v.end = cutStart;
        i++;
      } else if (cutEnd < v.end) {
        if (v.backing.kind !== 'anon') v.backing.pgoff += cutEnd - v.start;
        v.start = cutEnd;
        i++;
      } else {
        if (v.backing.kind === 'device') v.backing.mapping.unmapped?.();
        if (v.backing.kind === 'shmem') v.backing.obj.mapPut();
        this.vmas.splice(i, 1);
      }
    }
  }

  /** The backing for the part of `v` from `at` on, when `v` is split there. */
  private splitBacking(v: Vma, at: bigint): Vma['backing'] {
    if (v.backing.kind === 'device') {
      v.backing.mapping.split?.();
      return { kind: 'device', mapping: v.backing.mapping, pgoff: v.backing.pgoff + (at - v.start) };
    }
    if (v.backing.kind === 'shmem') return { kind: 'shmem', obj: v.backing.obj.mapGet(), pgoff: v.backing.pgoff + (at - v.start), cow: v.backing.cow };
    return v.backing; // anonymous pages are keyed by vpn, so both halves can share the maps
  }


  /** Free (or orphan, when pinned) the frames of anonymous pages in [start, end) of `v`. */
  private releasePages(v: Vma, start: bigint, end: bigint): void {
    const b = v.backing.kind === 'anon' ? v.backing : v.backing.kind === 'shmem' ? v.backing.cow : null;
    if (b !== null) releaseAnon(b, start, end, (pfn, n) => this.pins.dropRun(pfn, n));
  }

  private populate(v: Vma, vpn: number, write: boolean): number | null {
    return populatePage(v, vpn, this.frames, this.phys, write);
  }

  /** A CPU load of `len` bytes at `addr`. */
  load(addr: bigint, len: number): Result<Uint8Array> | AccessFault {
    const out = new Uint8Array(len);
    const r = this.access(addr, len, false, (v, a, off, n) => {
      if (v.backing.kind === 'device') {
        const d = v.backing.mapping.read(v.backing.pgoff + (a - v.start), n);
        if (!d.ok) return d.why ?? 'device read failed';
        out.set(d.value, off);
        return null;
      }
      if (beyondObject(v, a)) return 'access beyond the end of the shmem object (shmem_fault: VM_FAULT_SIGBUS)';
      const pfn = frameOf(v, a);
      if (pfn !== undefined) out.set(this.phys.read((BigInt(pfn) << 12n) | (a & 0xfffn), n), off);
      return null;
    });
    return r ?? ok(out);
  }

  /** A CPU store of `data` at `addr`. */
  store(addr: bigint, data: Uint8Array): Result<void> | AccessFault {
    const r = this.access(addr, data.length, true, (v, a, off, n) => {
      const chunk = data.subarray(off, off + n);
      if (v.backing.kind === 'device') {
        const d = v.backing.mapping.write(v.backing.pgoff + (a - v.start), chunk);
        return d.ok ? null : (d.why ?? 'device write failed');
      }
      const pfn = this.populate(v, Number(a >> 12n), true);
      if (pfn === null) return beyondObject(v, a) ? 'access beyond the end of the shmem object (shmem_fault: VM_FAULT_SIGBUS)' : 'out of memory';
      this.phys.write((BigInt(pfn) << 12n) | (a & 0xfffn), chunk);
      return null;
    });
    return r ?? okVoid();
  }

  /** Check protections over the whole range first, then call `each` per page piece. */
  private access(addr: bigint, len: number, write: boolean, each: AccessPiece): AccessFault | null {
    return walkAccess((a) => this.find(a), addr, len, write, each);
  }

  /**
   * Pin [addr, addr+len) for DMA (pin_user_pages): every page must be mapped and allow the
   * access (`write` needs PROT_WRITE), else EFAULT and nothing stays pinned. Returns the
   * physically contiguous runs. Anonymous pages are populated; device (BAR) pages are
   * returned as MMIO runs when the driver exposes their physical address.
   */
  pin(addr: bigint, len: bigint, write: boolean): Result<PinnedRun[]> {
    const end = addr + len;
    for (let a = addr; a < end; ) {
      const v = this.find(a);
      if (v === undefined || (v.prot & PROT_READ) === 0 || (write && (v.prot & PROT_WRITE) === 0)) {
        return fail('EFAULT', 'vaddr_get_pfns: address not mapped with the needed access');
      }
      if (v.backing.kind === 'device' && v.backing.mapping.physAddr === undefined) return fail('EFAULT', 'vaddr_get_pfns: mapping has no pfns');
      const stop = v.end < end ? v.end : end;
      if (beyondObject(v, stop - 1n)) return fail('EFAULT', 'pin_user_pages: page beyond the end of the shmem object');
      a = v.end;
    }
    return pinWalk(
      {
        find: (a) => this.find(a),
        populate: (v, vpn, limit, run) => populateRun(v, vpn, limit, this.frames, this.phys, write, run),
        pin: (pfn, n) => this.pinRun(pfn, n),
        unpin: (pinned) => {
          for (let i = 0; i < pinned.length; i += 2) this.unpinRun(pinned[i]!, pinned[i + 1]!);
        },
      },
      addr,
      end,
    );
  }

  /** Undo pin() for the given runs (MMIO runs are not refcounted). */
  unpin(runs: readonly PinnedRun[]): void {
    for (const r of runs) if (!r.mmio) this.unpinRun(Number(r.pa >> 12n), Number(r.bytes >> 12n));
  }

  private unpinRun(pfn: number, n: number): void {
    this.ownPins.unpinRun(pfn, n);
    this.pins.unpinRun(pfn, n);
  }

  private pinRun(pfn: number, n: number): void {
    this.ownPins.pinRun(pfn, n);
    this.pins.pinRun(pfn, n);
  }

  /** Number of frames currently pinned at least once through this address space. */
  pinnedFrames(): number {
    return this.ownPins.pinnedFrames;
  }

  /** Physical address behind a user address, or null (for tests and pictures). */
  virtToPhys(addr: bigint): bigint | null {
    const v = this.find(addr);
    if (v === undefined) return null;
    if (v.backing.kind === 'device') return v.backing.mapping.physAddr?.(v.backing.pgoff + (addr - v.start)) ?? null;
    const pfn = frameOf(v, addr);
    return pfn === undefined ? null : (BigInt(pfn) << 12n) | (addr & 0xfffn);
  }

  /** The parts of [start, end) that no mapping covers. */
  holes(start: bigint, end: bigint): Array<[bigint, bigint]> {
    return vmaHoles(this.vmas, start, end);
  }

  /**
   * The populated memory frames behind [addr, addr + len) as runs contiguous virtually and
   * physically, without populating anything (device pages are not frames: left out).
   */
  frameRuns(addr: bigint, len: bigint): FrameRun[] {
    const out: FrameRun[] = [];
    const end = addr + len;
    for (let i = this.lowerBound(addr); i < this.vmas.length && this.vmas[i]!.start < end; i++) {
      const v = this.vmas[i]!;
      if (v.backing.kind === 'device') continue;
      const s = v.start > addr ? v.start : addr;
      const e = v.end < end ? v.end : end;
      frameRunsOf(v, Number(s >> 12n), Number((e + PAGE - 1n) >> 12n), out);
    }
    return out;
  }

  /** Tear everything down (process exit). */
  destroy(): void {
    this.unmapRange(0n, TASK_SIZE);
  }
}

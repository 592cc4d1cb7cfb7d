/**
 * An IO page table: the radix tree an IOMMU walks to turn an IOVA into a physical address.
 *
 * Geometry (VT-d second level / AMD-Vi v1 / x86 first level alike): 4 KiB granule, 9 index
 * bits per level, levels = (addressWidth - 12) / 9 (39 → 3, 48 → 4, 57 → 5; 64 → 6, the
 * top level partly used). A leaf sits at
 * level 1 (4 KiB), 2 (2 MiB) or 3 (1 GiB); the larger two only when the page-size bitmap
 * advertises them. Table nodes are Maps created on demand and dropped when they empty.
 *
 * Invariants: leaves never overlap; every table node other than the root holds at least
 * one entry; a leaf's IOVA and physical base are aligned to its size; every leaf has R or
 * W set (a leaf with neither would be "not present"). A failed map changes nothing.
 * With a TablePages pool (table-pages.ts), each table node below the root holds one of its
 * pages; a map that needs more than are left is ENOMEM and unmaps what it inserted.
 *
 * Inside, addresses are page frame numbers as `number` (any u64 IOVA >> 12 < 2^52); the
 * API takes and returns bigint byte addresses.
 */
import { fail, ok, okVoid, type Result } from '../../base/result.js';
import { MAX_PHYS } from '../memory/phys-mem.js';
import type { TablePages } from './table-pages.js';

export const SZ_4K = 0x1000n;
export const SZ_2M = 0x20_0000n;
export const SZ_1G = 0x4000_0000n;
/** What `map` may use by default: 4 KiB | 2 MiB | 1 GiB (Intel CAP.SLLPS = 0b11). */
export const PGSIZES_4K_2M_1G = SZ_4K | SZ_2M | SZ_1G;

/** Pages spanned by one entry at level L (index L-1). */
const SPAN: readonly [1, 512, number, number, number, number] = [1, 512, 512 ** 2, 512 ** 3, 512 ** 4, 512 ** 5];
/** The leaf size each level can hold, as a page-size bitmap bit. */
const LEVEL_SIZE = [SZ_4K, SZ_2M, SZ_1G] as const;

export interface Prot {
  readonly read: boolean;
  readonly write: boolean;
}

/** One leaf PTE. Immutable except `dirty`; an IOTLB may keep a reference after unmap. */
export class Leaf {
  dirty = false;
  /** First IOVA page frame covered. */
  readonly iovaPfn: number;
  /** First physical page frame. */
  readonly pfn: number;
  /** Number of 4 KiB pages (1, 512 or 262144). */
  readonly pages: number;
  readonly level: 1 | 2 | 3;
  readonly read: boolean;
  readonly write: boolean;

  constructor(iovaPfn: number, pfn: number, level: 1 | 2 | 3, prot: Prot) {
    this.iovaPfn = iovaPfn;
    this.pfn = pfn;
    this.level = level;
    this.pages = SPAN[level - 1]!;
    this.read = prot.read;
    this.write = prot.write;
  }
}

type Entry = Table | Leaf;

/** Entries a table holds in a Map before it switches to a dense 512-slot array. */
const DENSE_AT = 32;

/**
 * One table node's 512 slots: a Map while sparse (a few entries cost a few words), a
 * dense array once it holds DENSE_AT entries (one indexed load per lookup instead of a
 * hash probe; at 65,535 mappings the leaf tables are the hot ones). It never goes back:
 * an emptied table is dropped by its parent.
 */
class Table {
  private map: Map<number, Entry> | null = new Map();
  private arr: Array<Entry | undefined> | null = null;
  size = 0;

  get(k: number): Entry | undefined {
    return this.arr !== null ? this.arr[k] : this.map!.get(k);
  }

  has(k: number): boolean {
    return this.get(k) !== undefined;
  }

  /** Fill an EMPTY slot (callers never overwrite: overlap is ruled out first). */
  set(k: number, e: Entry): void {
    if (this.arr !== null) {
      this.size++;
      this.arr[k] = e;
      return;
    }
    const m = this.map!;
    m.set(k, e);
    this.size = m.size;
    if (m.size >= DENSE_AT) {
      const arr = new Array<Entry | undefined>(512).fill(undefined);
      for (const [i, v] of m) arr[i] = v;
      this.arr = arr;
      this.map = null;
    }
  }

  /** Empty an OCCUPIED slot. */
  delete(k: number): void {
    if (this.arr !== null) {
      this.size--;
      this.arr[k] = undefined;
      return;
    }
    this.map!.delete(k);
    this.size = this.map!.size;
  }

  /** Occupied slot indices (any order). */
  keys(): Iterable<number> {
    if (this.map !== null) return this.map.keys();
    const out: number[] = [];
    for (const [i, e] of this.arr!.entries()) if (e !== undefined) out.push(i);
    return out;
  }
}

export interface Translation {
  /** The physical address `iova` translates to (offset preserved). */
  readonly pa: bigint;
  readonly pageSize: bigint;
  readonly read: boolean;
  readonly write: boolean;
  readonly dirty: boolean;
  readonly leafIova: bigint;
  readonly leafPa: bigint;
}

export interface LeafInfo {
  readonly iova: bigint;
  readonly pa: bigint;
  readonly size: bigint;
  readonly read: boolean;
  readonly write: boolean;
  readonly dirty: boolean;
}

export function levelsForWidth(width: number): number {
  // a full 64-bit space: six AMDv1-style levels, the top one only partly used (the
  // software-only table of iommufd's no-IOMMU mode, hw_max_vasz_lg2 = 64)
  if (width === 64) return 6;
  const l = (width - 12) / 9;
  if (!Number.isInteger(l) || l < 3 || l > 5) throw new RangeError(`unsupported IOMMU address width ${width}`);
  return l;
}

/** Occupied slot indices in [lo, hi], ascending: probes when the range is small, else scans. */
function slotKeys(t: Table, lo: number, hi: number): number[] {
  const keys: number[] = [];
  if (hi - lo + 1 <= t.size) {
    for (let k = lo; k <= hi; k++) if (t.has(k)) keys.push(k);
    return keys;
  }
  for (const k of t.keys()) if (k >= lo && k <= hi) keys.push(k);
  return keys.sort((a, b) => a - b);
}

function leafInfo(l: Leaf): LeafInfo {
  return {
    iova: BigInt(l.iovaPfn) << 12n,
    pa: BigInt(l.pfn) << 12n,
    size: BigInt(l.pages) << 12n,
    read: l.read,
    write: l.write,
    dirty: l.dirty,
  };
}

export class IoPageTable {
  readonly levels: number;
  /** Pages addressable: 2^(width-12). */
  readonly widthPages: number;
  private readonly root = new Table();
  /** Largest leaf level allowed (1..3) and the minimum granule in pages. */
  private readonly leafLevels: ReadonlyArray<1 | 2 | 3>;
  private leafCount = 0;
  /** Scratch for removeLeaf: the tables above a leaf (no allocation per unmap). */
  private readonly pathTables: Table[] = [];
  private mappedPages = 0;
  /** Table nodes below the root: the pages this table holds of its pool. */
  private tablePages = 0;
  /** Where table pages come from; null: unlimited and uncounted. */
  private pool: TablePages | null;

  readonly addressWidth: number;
  readonly pgsizeBitmap: bigint;

  constructor(addressWidth: number, pgsizeBitmap: bigint = PGSIZES_4K_2M_1G, pool: TablePages | null = null) {
    this.pool = pool;
    this.addressWidth = addressWidth;
    this.pgsizeBitmap = pgsizeBitmap;
    this.levels = levelsForWidth(addressWidth);
    this.widthPages = 2 ** (addressWidth - 12);
    if ((pgsizeBitmap & SZ_4K) === 0n || (pgsizeBitmap & ~PGSIZES_4K_2M_1G) !== 0n) {
      throw new RangeError(`page-size bitmap 0x${pgsizeBitmap.toString(16)} must hold 4K and only 4K/2M/1G`);
    }
    // every table has at least 3 levels (levelsForWidth), so each leaf level 1..3 exists
    this.leafLevels = ([3, 2, 1] as const).filter((L) => (pgsizeBitmap & LEVEL_SIZE[L - 1]!) !== 0n);
  }

  /**
   * Map [iova, iova+size) to [pa, pa+size), greedily in the largest allowed page sizes that
   * divide both addresses and fit (Linux iommu_pgsize()). Checks run in the kernel's order:
   * EINVAL unaligned (__iommu_map), EFAULT beyond the address width (intel_iommu_map),
   * EINVAL no permission (__domain_mapping), EEXIST overlap (arm_lpae_init_pte).
   */
  map(iova: bigint, pa: bigint, size: bigint, prot: Prot): Result<void> {
    if (((iova | pa | size) & (SZ_4K - 1n)) !== 0n || iova < 0n || pa < 0n || size < 0n) {
      return fail('EINVAL', `__iommu_map: unaligned: iova 0x${iova.toString(16)} pa 0x${pa.toString(16)} size 0x${size.toString(16)} min_pagesz 0x1000`);
    }
    if (size === 0n) return okVoid();
    if (iova + size > BigInt(this.widthPages) << 12n) {
      return fail('EFAULT', `intel_iommu_map: iova 0x${(iova + size).toString(16)} exceeds ${this.addressWidth}-bit width`);
    }
    if (pa + size > BigInt(MAX_PHYS)) return fail('EINVAL', 'map: physical range beyond 2^52');
    if (!prot.read && !prot.write) return fail('EINVAL', '__domain_mapping: neither DMA_PTE_READ nor DMA_PTE_WRITE');
    let ipfn = Number(iova >> 12n);
    let ppfn = Number(pa >> 12n);
    let left = Number(size >> 12n);
    if (this.anyLeafIn(this.root, this.levels, 0, ipfn, ipfn + left)) {
      return fail('EEXIST', `map: IOVA range 0x${iova.toString(16)}+0x${size.toString(16)} overlaps an existing mapping`);
    }
    const tablesBefore = this.tablePages;
    while (left > 0) {
      const L = this.pickLevel(ipfn, ppfn, left);
      const leaf = new Leaf(ipfn, ppfn, L, prot);
      const pages = leaf.pages;
      this.insertLeaf(leaf);
      ipfn += pages;
      ppfn += pages;
      left -= pages;
    }
    if (this.pool !== null && !this.pool.charge(this.tablePages - tablesBefore)) {
      // iommu_map_nosync's unroll: the leaves just inserted go, and with them exactly the
      // tables they needed (older tables keep their older entries), which releases the charge
      this.removeRange(iova, size);
      return fail('ENOMEM', 'iommu_alloc_pages_node_sz: no page left for a page-table page (iommu_map unrolled the partial map)');
    }
    return okVoid();
  }

  /** iommu_domain_free(): give this table's pages back to its pool and stop counting. */
  releasePool(): void {
    this.pool?.release(this.tablePages);
    this.pool = null;
  }

  /**
   * Remove every leaf that intersects [iova, iova+size), whole (VT-d semantics: unmapping
   * part of a large leaf removes all of it). Holes are skipped, not an error. Returns the
   * bytes actually unmapped: the sum of the removed leaves' sizes, possibly more than
   * `size`, 0 when nothing was mapped. EINVAL when iova or size is not 4 KiB aligned
   * (iommu_unmap's "unaligned" check).
   */
  unmap(iova: bigint, size: bigint): Result<bigint> {
    const r = this.unmapLeaves(iova, size);
    if (!r.ok) return r;
    let pages = 0;
    for (const l of r.value) pages += l.pages;
    return ok(BigInt(pages) << 12n);
  }

  /** `unmap`, returning the leaves removed in IOVA order (the IOMMU uses them for IOTLB upkeep). */
  unmapLeaves(iova: bigint, size: bigint): Result<Leaf[]> {
    if (((iova | size) & (SZ_4K - 1n)) !== 0n || iova < 0n || size < 0n) {
      return fail('EINVAL', `__iommu_unmap: unaligned: iova 0x${iova.toString(16)} size 0x${size.toString(16)} min_pagesz 0x1000`);
    }
    return ok(this.removeRange(iova, size));
  }

  private removeRange(iova: bigint, size: bigint): Leaf[] {
    const start = Number(iova >> 12n);
    // < 2^53 for any u64 iova and size; collect() clamps to the table
    const end = Number((iova + size) >> 12n);
    const found: Leaf[] = [];
    if (start < end) this.collect(this.root, this.levels, 0, start, end, found);
    const tablesBefore = this.tablePages;
    for (const l of found) this.removeLeaf(l);
    this.pool?.release(tablesBefore - this.tablePages);
    return found;
  }

  /** The leaf that maps page `ipfn`, or undefined (hot path: no bigint). */
  walk(ipfn: number): Leaf | undefined {
    let t: Table = this.root;
    for (let L = this.levels; L >= 1; L--) {
      const e = t.get(Math.floor(ipfn / SPAN[L - 1]!) % 512);
      if (e === undefined) return undefined;
      if (e instanceof Leaf) return e;
      t = e;
    }
    return undefined;
  }

  lookup(iova: bigint): Translation | null {
    if (iova < 0n || iova >= BigInt(this.widthPages) << 12n) return null;
    const l = this.walk(Number(iova >> 12n));
    if (l === undefined) return null;
    const leafIova = BigInt(l.iovaPfn) << 12n;
    const leafPa = BigInt(l.pfn) << 12n;
    return {
      pa: leafPa + (iova - leafIova),
      pageSize: BigInt(l.pages) << 12n,
      read: l.read,
      write: l.write,
      dirty: l.dirty,
      leafIova,
      leafPa,
    };
  }

  /** Linux iommu_iova_to_phys(), but null instead of 0 for "not mapped". */
  iovaToPhys(iova: bigint): bigint | null {
    return this.lookup(iova)?.pa ?? null;
  }

  /** Leaves intersecting [from, to), in IOVA order. */
  *leaves(from = 0n, to: bigint = BigInt(this.widthPages) << 12n): Generator<LeafInfo> {
    const found: Leaf[] = [];
    const s = Number(from >> 12n);
    const e = Math.min(this.widthPages, Number((to + SZ_4K - 1n) >> 12n));
    if (s < e) this.collect(this.root, this.levels, 0, s, e, found);
    for (const l of found) yield leafInfo(l);
  }

  /**
   * Dirty leaves intersecting [iova, iova+size), in order, reported at leaf granularity
   * (as iommufd's read_and_clear_dirty does); clears their dirty bits unless `clear` is false
   * (IOMMU_DIRTY_NO_CLEAR).
   */
  readAndClearDirty(iova: bigint, size: bigint, clear = true): Array<{ iova: bigint; size: bigint }> {
    const found: Leaf[] = [];
    const s = Number(iova >> 12n);
    const e = Math.min(this.widthPages, Number((iova + size + SZ_4K - 1n) >> 12n));
    if (s < e) this.collect(this.root, this.levels, 0, s, e, found);
    const out: Array<{ iova: bigint; size: bigint }> = [];
    for (const l of found) {
      if (!l.dirty) continue;
      out.push({ iova: BigInt(l.iovaPfn) << 12n, size: BigInt(l.pages) << 12n });
      if (clear) l.dirty = false;
    }
    return out;
  }

  /** Clear every dirty bit (when dirty tracking is switched on). */
  clearAllDirty(): void {
    const found: Leaf[] = [];
    this.collect(this.root, this.levels, 0, 0, this.widthPages, found);
    for (const l of found) l.dirty = false;
  }

  stats(): { leaves: number; mappedBytes: bigint } {
    return { leaves: this.leafCount, mappedBytes: BigInt(this.mappedPages) << 12n };
  }

  /** Table pages below the root this table holds now (of its pool, when it has one). */
  get heldTablePages(): number {
    return this.tablePages;
  }

  // ---- internals ----

  /** Linux iommu_pgsize(): largest allowed leaf dividing both addresses and fitting. */
  private pickLevel(ipfn: number, ppfn: number, left: number): 1 | 2 | 3 {
    for (const L of this.leafLevels) {
      const span = SPAN[L - 1]!;
      if (span <= left && ipfn % span === 0 && ppfn % span === 0) return L;
    }
    return 1;
  }

  private anyLeafIn(t: Table, L: number, base: number, start: number, end: number): boolean {
    const span = SPAN[L - 1]!;
    const lo = Math.max(0, Math.floor((start - base) / span));
    const hi = Math.min(511, Math.floor((end - 1 - base) / span));
    if (lo === hi) return this.slotHasLeafIn(t, lo, L, base, span, start, end); // the common small map: no key list
    for (const k of slotKeys(t, lo, hi)) if (this.slotHasLeafIn(t, k, L, base, span, start, end)) return true;
    return false;
  }

  private slotHasLeafIn(t: Table, k: number, L: number, base: number, span: number, start: number, end: number): boolean {
    const e = t.get(k);
    if (e === undefined) return false;
    if (e instanceof Leaf) return true;
    const eb = base + k * span;
    if (start <= eb && eb + span <= end) return true; // non-empty subtable fully covered
    return this.anyLeafIn(e, L - 1, eb, start, end);
  }

  private collect(t: Table, L: number, base: number, start: number, end: number, out: Leaf[]): void {
    const span = SPAN[L - 1]!;
    const lo = Math.max(0, Math.floor((start - base) / span));
    const hi = Math.min(511, Math.floor((end - 1 - base) / span));
    if (lo === hi) {
      const e = t.get(lo);
      if (e instanceof Leaf) out.push(e);
      else if (e !== undefined) this.collect(e, L - 1, base + lo * span, start, end, out);
      return;
    }
    for (const k of slotKeys(t, lo, hi)) {
      const e = t.get(k)!;
      if (e instanceof Leaf) out.push(e);
      else this.collect(e, L - 1, base + k * span, start, end, out);
    }
  }

  private insertLeaf(leaf: Leaf): void {
    let t = this.root;
    for (let L = this.levels; L > leaf.level; L--) {
      const k = Math.floor(leaf.iovaPfn / SPAN[L - 1]!) % 512;
      let next = t.get(k);
      if (next === undefined) {
        next = new Table();
        t.set(k, next);
        this.tablePages++;
      }
      t = next as Table; // overlap was ruled out, so this is never a leaf
    }
    t.set(Math.floor(leaf.iovaPfn / SPAN[leaf.level - 1]!) % 512, leaf);
    this.leafCount++;
    this.mappedPages += leaf.pages;
  }

  private removeLeaf(leaf: Leaf): void {
    // the tables from the root down to the leaf's, then drop the leaf and any table it empties
    const tables = this.pathTables;
    let t = this.root;
    let n = 0;
    for (let L = this.levels; L > leaf.level; L--) {
      tables[n++] = t;
      t = t.get(Math.floor(leaf.iovaPfn / SPAN[L - 1]!) % 512) as Table;
    }
    t.delete(Math.floor(leaf.iovaPfn / SPAN[leaf.level - 1]!) % 512);
    for (let L = leaf.level + 1; n > 0 && t.size === 0; L++) {
      t = tables[--n]!;
      t.delete(Math.floor(leaf.iovaPfn / SPAN[L - 1]!) % 512);
      this.tablePages--;
    }
    tables.fill(this.root, 0, this.levels); // hold no emptied table
    this.leafCount--;
    this.mappedPages -= leaf.pages;
  }
}

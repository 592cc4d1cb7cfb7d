/**
 * The IOTLB: a cache of leaf translations keyed by (domain id, leaf base page, leaf level),
 * as QEMU's VT-d keys it (gfn masked by level + source/domain). It survives page-table
 * changes until software invalidates it — that is the whole point of modelling it.
 *
 * Policies for unmap: 'strict' invalidates the unmapped range synchronously; 'lazy' puts
 * the range in the domain's flush queue (Linux dma-iommu.c): when a queue already holds
 * `fqSize` entries the next enqueue first flushes the domain, and a timer armed at the
 * first enqueue flushes it `fqTimeoutNs` later. A flush is domain-wide (flush_iotlb_all).
 * Until then a cached translation keeps working — the stale-IOTLB window of threat T6.
 *
 * Optional `capacity`: when an insert would exceed it the whole IOTLB is flushed first
 * (QEMU VT-d, VTD_IOTLB_MAX_SIZE 1024). 0 = unbounded.
 *
 * Invariants: an entry is a reference to the Leaf object that was walked (immutable except
 * its dirty bit); `size` equals the number of entries over all domains.
 */
import type { Scheduler, Timer } from '../../base/clock.js';
import type { Leaf } from './io-pgtable.js';

export type InvalidationPolicy = 'strict' | 'lazy';

const SPAN = [1, 512, 512 * 512] as const;

export interface IotlbOptions {
  scheduler: Scheduler;
  /** Max entries before flush-all; 0 (default) = unbounded. */
  capacity?: number;
  /** Flush-queue length per domain (Linux IOVA_DEFAULT_FQ_SIZE 256). */
  fqSize?: number;
  /** Flush-queue timeout (Linux IOVA_DEFAULT_FQ_TIMEOUT 10 ms). */
  fqTimeoutNs?: bigint;
  onEvent?: ((kind: string, text: string) => void) | undefined;
}

export interface IotlbStats {
  hits: number;
  misses: number;
  inserts: number;
  /** Invalidation operations of any kind (range, domain, global, flush queue, capacity). */
  flushes: number;
  /** Whole-IOTLB flushes forced by the capacity limit. */
  capacityFlushes: number;
  /** Flush-queue drains (full or timer). */
  fqFlushes: number;
  entries: number;
  queued: number;
}

export interface QueuedInvalidation {
  readonly domainId: number;
  readonly iova: bigint;
  readonly size: bigint;
  readonly enqueuedAt: bigint;
}

interface DomainCache {
  readonly map: Map<number, Leaf>;
  /** Bit (L-1) set when a level-L leaf was ever cached for this domain. */
  levels: number;
}

interface FlushQueue {
  entries: QueuedInvalidation[];
  timer: Timer | null;
}

export class Iotlb {
  private readonly domains = new Map<number, DomainCache>();
  private readonly queues = new Map<number, FlushQueue>();
  private size = 0;
  private readonly counters = { hits: 0, misses: 0, inserts: 0, flushes: 0, capacityFlushes: 0, fqFlushes: 0 };
  readonly capacity: number;
  readonly fqSize: number;
  readonly fqTimeoutNs: bigint;

  private readonly opts: IotlbOptions;

  constructor(opts: IotlbOptions) {
    this.opts = opts;
    this.capacity = opts.capacity ?? 0;
    this.fqSize = opts.fqSize ?? 256;
    this.fqTimeoutNs = opts.fqTimeoutNs ?? 10_000_000n;
  }

  /** The cached leaf covering page `ipfn` of domain `domainId`; counts a hit or a miss. */
  lookup(domainId: number, ipfn: number): Leaf | undefined {
    const d = this.domains.get(domainId);
    if (d !== undefined) {
      for (let L = 1; L <= 3; L++) {
        if ((d.levels & (1 << (L - 1))) === 0) continue;
        const span = SPAN[L - 1]!;
        const e = d.map.get((ipfn - (ipfn % span)) * 4 + L);
        if (e !== undefined) {
          this.counters.hits++;
          return e;
        }
      }
    }
    this.counters.misses++;
    return undefined;
  }

  /** Count `n` further hits served from a translation already in hand (same leaf, next TLPs). */
  countHits(n: number): void {
    this.counters.hits += n;
  }

  insert(domainId: number, leaf: Leaf): void {
    if (this.capacity > 0 && this.size >= this.capacity) {
      this.opts.onEvent?.('iotlb', `iotlb exceeds size limit (${this.capacity}), flushing all`);
      this.counters.capacityFlushes++;
      this.invalidateAll();
    }
    let d = this.domains.get(domainId);
    if (d === undefined) {
      d = { map: new Map(), levels: 0 };
      this.domains.set(domainId, d);
    }
    const key = leaf.iovaPfn * 4 + leaf.level;
    if (!d.map.has(key)) this.size++;
    d.map.set(key, leaf);
    d.levels |= 1 << (leaf.level - 1);
    this.counters.inserts++;
  }

  /** The cached leaves of a domain (any order; read-only view for invariant checkers). */
  entries(domainId: number): Leaf[] {
    const d = this.domains.get(domainId);
    return d === undefined ? [] : [...d.map.values()];
  }

  /** Page-selective invalidation of every cached leaf intersecting [iova, iova+size). */
  invalidateRange(domainId: number, iova: bigint, size: bigint): void {
    this.counters.flushes++;
    const d = this.domains.get(domainId);
    if (d === undefined || size <= 0n) return;
    const s = Number(iova >> 12n);
    const e = Number((iova + size + 0xfffn) >> 12n);
    for (let L = 1; L <= 3; L++) {
      if ((d.levels & (1 << (L - 1))) === 0) continue;
      const span = SPAN[L - 1]!;
      const first = s - (s % span);
      if ((e - first) / span > d.map.size) this.scanDrop(d, L, s, e);
      else for (let b = first; b < e; b += span) if (d.map.delete(b * 4 + L)) this.size--;
    }
  }

  invalidateDomain(domainId: number): void {
    this.counters.flushes++;
    const d = this.domains.get(domainId);
    if (d === undefined) return;
    this.size -= d.map.size;
    this.domains.delete(domainId);
  }

  invalidateAll(): void {
    this.counters.flushes++;
    this.domains.clear();
    this.size = 0;
  }

  /** After a page-table unmap: invalidate now ('strict') or queue it ('lazy'). */
  unmapped(domainId: number, iova: bigint, size: bigint, policy: InvalidationPolicy): void {
    if (policy === 'strict') this.invalidateRange(domainId, iova, size);
    else this.enqueue(domainId, iova, size);
  }

  /** Drain the flush queue of one domain (or all, in domain-id order). Returns entries drained. */
  flushQueue(domainId?: number): number {
    if (domainId === undefined) {
      let n = 0;
      for (const id of [...this.queues.keys()].sort((a, b) => a - b)) n += this.flushQueue(id);
      return n;
    }
    const q = this.queues.get(domainId);
    if (q === undefined) return 0;
    q.timer?.cancel();
    this.queues.delete(domainId);
    this.counters.fqFlushes++;
    this.invalidateDomain(domainId);
    this.opts.onEvent?.('iotlb', `flush queue of domain ${domainId}: ${q.entries.length} range(s) invalidated`);
    return q.entries.length;
  }

  /** What is waiting in the flush queues, oldest first per domain, domains in id order. */
  pending(): QueuedInvalidation[] {
    const out: QueuedInvalidation[] = [];
    for (const id of [...this.queues.keys()].sort((a, b) => a - b)) out.push(...this.queues.get(id)!.entries);
    return out;
  }

  stats(): IotlbStats {
    let queued = 0;
    for (const q of this.queues.values()) queued += q.entries.length;
    return { ...this.counters, entries: this.size, queued };
  }

  // ---- internals ----

  private enqueue(domainId: number, iova: bigint, size: bigint): void {
    if ((this.queues.get(domainId)?.entries.length ?? 0) >= this.fqSize) this.flushQueue(domainId);
    let q = this.queues.get(domainId);
    if (q === undefined) {
      q = { entries: [], timer: null };
      this.queues.set(domainId, q);
    }
    q.entries.push({ domainId, iova, size, enqueuedAt: this.opts.scheduler.now() });
    if (q.timer === null) {
      const queue = q;
      q.timer = this.opts.scheduler.after(this.fqTimeoutNs, `iommu fq timeout (domain ${domainId})`, () => {
        queue.timer = null;
        if (this.queues.get(domainId) === queue) this.flushQueue(domainId);
      });
    }
  }

  private scanDrop(d: DomainCache, L: number, s: number, e: number): void {
    for (const [k, leaf] of d.map) {
      if (leaf.level !== L) continue;
      if (leaf.iovaPfn < e && leaf.iovaPfn + leaf.pages > s) {
        d.map.delete(k);
        this.size--;
      }
    }
  }
}

/**
 * The host's trace: an append-only, deterministic log of what happened — syscalls with their
 * arguments and results, CPU loads and stores with their values, DMA, IOMMU faults,
 * interrupts, binding. Two runs with the same inputs produce byte-identical traces.
 * Syscalls and CPU accesses carry a structured `detail` (trace-format.ts) and their text is
 * rendered from it; times are virtual nanoseconds everywhere.
 */
import { formatDetail, formatTime, type TraceDetail } from './trace-format.js';

export type TraceKind =
  | 'syscall'
  | 'cpu'
  | 'dma'
  | 'fault'
  | 'irq'
  | 'sysfs'
  | 'driver'
  | 'iommu'
  | 'device'
  | 'kernel'
  | 'note';

export interface TraceEntry {
  /** Virtual time in ns. */
  readonly time: bigint;
  readonly kind: TraceKind;
  /** Who: a pid ("pid 1"), a device bdf, or "kernel". */
  readonly who: string;
  readonly text: string;
  /** Syscalls ('syscall') and CPU loads/stores ('cpu'): the call or access as data; `text` is rendered from it. */
  readonly detail?: TraceDetail;
}

export class Trace {
  /** Live entries are entries[head..]; the dropped prefix is cut off in bulk (amortised O(1)). */
  private readonly entries: TraceEntry[] = [];
  private head = 0;
  private readonly listeners: Array<(e: TraceEntry) => void> = [];
  /** When false, nothing is recorded (benchmarks); listeners still see nothing. */
  enabled = true;
  /** At most this many entries are kept; older ones are dropped first. */
  limit = 100_000;
  private dropped = 0;

  constructor(private readonly clock: () => bigint) {}

  add(kind: TraceKind, who: string, text: string): void {
    if (!this.enabled) return;
    this.push({ time: this.clock(), kind, who, text });
  }

  /** An entry whose text is rendered from its detail (formatDetail). */
  addDetail(kind: TraceKind, who: string, detail: TraceDetail): void {
    if (!this.enabled) return;
    this.push({ time: this.clock(), kind, who, text: formatDetail(detail), detail });
  }

  /** The virtual time an entry added now carries (what a LazyEntry is built with). */
  now(): bigint {
    return this.clock();
  }

  /**
   * An entry whose detail is rendered only when someone reads it (`detail` or `text`):
   * decoding every syscall's struct up front tripled a traced MAP_DMA's cost, and most entries
   * are never read. The entry must hold copies of what it shows (the caller's objects may
   * change afterwards), so it reads the same whenever it is read.
   */
  addEntry(e: LazyEntry): void {
    if (!this.enabled) return;
    this.push(e);
  }

  private push(e: TraceEntry): void {
    this.entries.push(e);
    while (this.entries.length - this.head > this.limit) {
      this.head++;
      this.dropped++;
    }
    // Array.shift per entry is O(limit): at 100k entries it cost ~100 µs per syscall
    if (this.head > 0 && this.head >= this.entries.length - this.head) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
    if (this.listeners.length === 0) return;
    const shown = e instanceof LazyEntry ? e.toJSON() : e;
    for (const l of this.listeners) l(shown);
  }

  /** A copy of the entries, oldest first. */
  list(): TraceEntry[] {
    // a lazy entry is rendered once and replaced by a plain object, so what callers get
    // spreads and compares like any object, and the next list() is a plain copy again
    for (let i = this.head; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (e instanceof LazyEntry) this.entries[i] = e.toJSON();
    }
    return this.entries.slice(this.head);
  }

  /** Entries dropped because of `limit`. */
  droppedCount(): number {
    return this.dropped;
  }

  /** Called for every new entry; returns an unsubscribe function. */
  subscribe(fn: (e: TraceEntry) => void): () => void {
    this.listeners.push(fn);
    return () => {
      const i = this.listeners.indexOf(fn);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** The whole trace as text, one line per entry: `[          1 000 ns] syscall pid 1: ...`. */
  toString(): string {
    return this.entries.slice(this.head).map(formatEntry).join('\n');
  }
}

/**
 * An entry whose detail and text are rendered when read, from raw values the entry copied
 * when it was made. Each kind of lazy entry is a subclass holding those values in its own
 * fields, and nothing else: the trace keeps up to `limit` entries alive, and every object or
 * field an entry holds (a data record, a values array, a `who` string, a cache of the
 * rendering) is copied and marked by the garbage collector until the entry is dropped — most
 * of what a traced MAP_DMA+UNMAP_DMA pair cost over an untraced one. Nothing is cached: list()
 * replaces a lazy entry by the plain object toJSON makes, so each is rendered once there; only
 * toString() renders on every call. A class (prototype getters) rather than an object literal
 * with getters: V8 builds the literal ~10x slower. It never leaves the Trace.
 */
export abstract class LazyEntry implements TraceEntry {
  constructor(readonly time: bigint) {}

  abstract get kind(): TraceKind;
  abstract get who(): string;
  /** The detail, from the values the entry copied when it was made; the same on every call. */
  protected abstract render(): TraceDetail;

  get detail(): TraceDetail {
    return this.render();
  }

  get text(): string {
    return formatDetail(this.render());
  }

  /** The entry as a plain object (what Trace.list() hands out). */
  toJSON(): TraceEntry {
    const detail = this.render();
    return { time: this.time, kind: this.kind, who: this.who, text: formatDetail(detail), detail };
  }
}

/** One trace line: `[   100 000 000 ns] fault   iommu: ...`. */
export function formatEntry(e: TraceEntry): string {
  return `[${formatTime(e.time)}] ${e.kind.padEnd(7)} ${e.who}: ${e.text}`;
}

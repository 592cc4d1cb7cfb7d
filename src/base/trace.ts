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

/**
 * An entry kept as the raw values it shows and rendered when read: `show(record)` makes the
 * entry (a function made once per kind of record, not a closure per record). The values must
 * be copies where the caller's objects may change afterwards, so the entry reads the same
 * whenever it is read.
 *
 * Why a plain object literal and not a class with getters: the trace keeps up to `limit`
 * entries alive, and each one's bytes were most of what a traced MAP_DMA+UNMAP_DMA pair cost
 * over an untraced one — every object an entry held was copied twice by the scavenger. V8
 * allocates an object literal whose allocation site sees its objects survive directly in the
 * old generation (allocation-site pretenuring); it does not do that for `new` of a class. So
 * each kind of record is one literal, written at one place, holding only what it shows. The
 * ioctl record is the exception, a class instance allocated young (trace-ioctl.ts says why).
 */
export interface TraceRecord {
  readonly time: bigint;
  readonly show: (record: never) => TraceEntry;
}

type Kept = TraceEntry | TraceRecord;

function isRecord(e: Kept): e is TraceRecord {
  return 'show' in e;
}

function shown(e: Kept): TraceEntry {
  return isRecord(e) ? (e.show as (r: TraceRecord) => TraceEntry)(e) : e;
}

export class Trace {
  /** Live entries are entries[head..]; the dropped prefix is cut off in bulk (amortised O(1)). */
  private readonly entries: Kept[] = [];
  private head = 0;
  private readonly listeners: Array<(e: TraceEntry) => void> = [];
  /** When false, nothing is recorded (benchmarks); listeners still see nothing. */
  enabled = true;
  /** At most this many entries are kept; older ones are dropped first. */
  limit = 100_000;
  private dropped = 0;
  /** The last record `limit` dropped: nothing outside reaches it (list() and listeners get plain entries). */
  private spare: TraceRecord | null = null;

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

  /** The virtual time an entry added now carries (a TraceRecord's `time`). */
  now(): bigint {
    return this.clock();
  }

  /**
   * An entry rendered only when someone reads it: decoding every syscall's struct up front
   * tripled a traced MAP_DMA's cost, and most entries are never read.
   */
  addRecord<R extends TraceRecord>(r: R & { readonly show: (record: R) => TraceEntry }): void {
    if (!this.enabled) return;
    this.push(r);
  }

  /**
   * The last record `limit` dropped, for the caller to fill in anew and add instead of
   * allocating one, when it is of the kind `show` renders; else null. Once the trace is full
   * every entry added drops one, so a stream of one kind of record (a MAP_DMA loop) allocates
   * none: allocating a pretenured record goes through the runtime (~100-200 ns), a record
   * allocated young is copied twice by the scavenger, and a reused one costs neither.
   */
  reuse<R extends TraceRecord>(show: (record: R) => TraceEntry): R | null {
    const s = this.spare;
    if (s === null || s.show !== show) return null;
    this.spare = null;
    return s as R;
  }

  private push(e: Kept): void {
    this.entries.push(e);
    while (this.entries.length - this.head > this.limit) {
      const gone = this.entries[this.head++]!;
      this.dropped++;
      if (isRecord(gone)) this.spare = gone;
    }
    // Array.shift per entry is O(limit): at 100k entries it cost ~100 µs per syscall
    if (this.head > 0 && this.head >= this.entries.length - this.head) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
    if (this.listeners.length === 0) return;
    const e2 = shown(e);
    for (const l of this.listeners) l(e2);
  }

  /** A copy of the entries, oldest first. */
  list(): TraceEntry[] {
    // a record is rendered once and replaced by its plain entry, so what callers get spreads
    // and compares like any object, and the next list() is a plain copy again
    for (let i = this.head; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (isRecord(e)) this.entries[i] = shown(e);
    }
    return this.entries.slice(this.head) as TraceEntry[];
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
    return this.entries
      .slice(this.head)
      .map((e) => formatEntry(shown(e)))
      .join('\n');
  }
}

/** One trace line: `[   100 000 000 ns] fault   iommu: ...`. */
export function formatEntry(e: TraceEntry): string {
  return `[${formatTime(e.time)}] ${e.kind.padEnd(7)} ${e.who}: ${e.text}`;
}

/**
 * The host's trace: an append-only, deterministic log of what happened — syscalls with their
 * arguments and results, CPU loads and stores with their values, DMA, IOMMU faults,
 * interrupts, binding. Two runs with the same inputs produce byte-identical traces.
 * Syscalls and CPU accesses carry a structured `detail` (trace-format.ts) and their text is
 * rendered from it; times are virtual nanoseconds everywhere.
 */
import { formatDetail, formatTime, type TraceDetail } from './trace-format.js';

export { formatDetail, formatNs, formatTime, formatValue, hexWidth } from './trace-format.js';
export type { TraceAccess, TraceArg, TraceCall, TraceDetail, TraceStruct, TraceValue } from './trace-format.js';

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

  constructor(private readonly now: () => bigint) {}

  add(kind: TraceKind, who: string, text: string): void {
    if (!this.enabled) return;
    this.push({ time: this.now(), kind, who, text });
  }

  /** An entry whose text is rendered from its detail (formatDetail). */
  addDetail(kind: TraceKind, who: string, detail: TraceDetail): void {
    if (!this.enabled) return;
    this.push({ time: this.now(), kind, who, text: formatDetail(detail), detail });
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
    for (const l of this.listeners) l(e);
  }

  /** A copy of the entries, oldest first. */
  list(): TraceEntry[] {
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

/** One trace line: `[   100 000 000 ns] fault   iommu: ...`. */
export function formatEntry(e: TraceEntry): string {
  return `[${formatTime(e.time)}] ${e.kind.padEnd(7)} ${e.who}: ${e.text}`;
}

/**
 * The host's trace: an append-only, deterministic log of what happened — syscalls and
 * their results, DMA, IOMMU faults, interrupts, binding. Two runs with the same inputs
 * produce byte-identical traces.
 */
export type TraceKind =
  | 'syscall'
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
    const e: TraceEntry = { time: this.now(), kind, who, text };
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

  /** The whole trace as text, one line per entry: `[     1.000us] syscall pid 1: ...`. */
  toString(): string {
    return this.entries.slice(this.head).map(formatEntry).join('\n');
  }
}

export function formatTime(ns: bigint): string {
  const us = ns / 1000n;
  const frac = (ns % 1000n).toString().padStart(3, '0');
  return `${us.toString().padStart(9, ' ')}.${frac}us`;
}

export function formatEntry(e: TraceEntry): string {
  return `[${formatTime(e.time)}] ${e.kind.padEnd(7)} ${e.who}: ${e.text}`;
}

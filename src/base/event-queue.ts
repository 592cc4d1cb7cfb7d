/**
 * A binary min-heap of timed events, ordered totally by (due time, sequence number).
 *
 * Invariant: for events due at the same instant, the one scheduled first runs first
 * (its `seq` is smaller). Nothing else decides the order, so a run is reproducible.
 */
export interface QueuedEvent {
  readonly due: bigint;
  readonly seq: number;
  readonly label: string;
  readonly run: () => void;
  cancelled: boolean;
}

export class EventQueue {
  private readonly heap: QueuedEvent[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(due: bigint, label: string, run: () => void): QueuedEvent {
    const ev: QueuedEvent = { due, seq: this.nextSeq++, label, run, cancelled: false };
    this.heap.push(ev);
    this.siftUp(this.heap.length - 1);
    return ev;
  }

  /** The earliest live event, without removing it. Cancelled events are dropped on the way. */
  peek(): QueuedEvent | undefined {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.popTop();
    return this.heap[0];
  }

  pop(): QueuedEvent | undefined {
    const top = this.peek();
    if (top !== undefined) this.popTop();
    return top;
  }

  private popTop(): void {
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
  }

  private less(a: QueuedEvent, b: QueuedEvent): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  private siftUp(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private siftDown(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

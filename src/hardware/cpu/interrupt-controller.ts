/**
 * The CPUs' interrupt side (x86: the local APICs and the vector table each CPU dispatches
 * through, reduced to what VFIO needs): a message-signalled interrupt that reaches the CPUs —
 * from the IOMMU after remapping, or straight from the fabric on a machine without one — runs
 * the handler the kernel bound to its (destination CPU, vector), as request_irq() binds a
 * handler to a vector. A message nobody is bound to is spurious and only traced. A function's
 * INTx line (level-triggered, through the IOAPIC) runs the handler the kernel requested for
 * that function's line, on every change of level; a line nobody requested goes nowhere.
 *
 * Invariants: a (destination, vector) pair and a function's INTx line each have at most one
 * handler; the tables are owned here and changed only through bind/unbind and
 * requestLine/freeLine; observers (a test lab) see every message before dispatch.
 */
import type { MsiMessage } from '../iommu/interrupt-remap.js';
import type { Trace } from '../../base/trace.js';

/** The slot of `vector` on CPU `destination` in the handler table. */
export function vectorKey(destination: number, vector: number): number {
  return destination * 256 + vector;
}

export class InterruptController {
  private readonly handlers = new Map<number, () => void>();
  private readonly lines = new Map<string, (asserted: boolean) => void>();
  private readonly observers: Array<(msg: MsiMessage) => void> = [];

  constructor(private readonly trace: Trace) {}

  /** A message arrives at the CPUs: observers see it, then its handler runs (or it is spurious). */
  deliver(msg: MsiMessage): void {
    for (const o of this.observers) o(msg);
    const h = this.handlers.get(vectorKey(msg.destination, msg.vector));
    if (h === undefined) {
      this.trace.add('irq', 'kernel', `spurious interrupt: vector 0x${msg.vector.toString(16)} on CPU ${msg.destination}`);
      return;
    }
    h();
  }

  /** Bind `handler` to the slot `key` (vectorKey); the caller checked it is free. */
  bind(key: number, handler: () => void): void {
    this.handlers.set(key, handler);
  }

  unbind(key: number): void {
    this.handlers.delete(key);
  }

  isBound(key: number): boolean {
    return this.handlers.has(key);
  }

  /** How many vectors have a handler, over every CPU. */
  get boundCount(): number {
    return this.handlers.size;
  }

  /** The INTx line of function `bdf` changed level (the device model drives it). */
  intx(bdf: string, asserted: boolean): void {
    this.lines.get(bdf)?.(asserted);
  }

  /** request_irq(pdev->irq, …): `handler` runs on every level change of `bdf`'s INTx line. */
  requestLine(bdf: string, handler: (asserted: boolean) => void): void {
    this.lines.set(bdf, handler);
  }

  /** free_irq: `bdf`'s line goes nowhere again. */
  freeLine(bdf: string): void {
    this.lines.delete(bdf);
  }

  /** Watch every message that reaches the CPUs (the isolation lab records them); returns an unsubscribe function. */
  observe(listener: (msg: MsiMessage) => void): () => void {
    this.observers.push(listener);
    return () => {
      const i = this.observers.indexOf(listener);
      if (i >= 0) this.observers.splice(i, 1);
    };
  }
}

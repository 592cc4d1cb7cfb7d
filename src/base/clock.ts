/**
 * The host's one virtual clock: bigint nanoseconds since boot, and the queue of events
 * (device work, timers) due at future instants.
 *
 * Invariants: time never goes backwards; events run in (due, seq) order; an event runs
 * with `now()` equal to its due time. Nothing here reads the wall clock.
 */
import { EventQueue, type QueuedEvent } from './event-queue.js';

/** A handle to cancel a scheduled event. */
export interface Timer {
  cancel(): void;
  readonly due: bigint;
}

/** What hardware and kernel code need from the clock. */
export interface Scheduler {
  now(): bigint;
  /** Run `fn` `delay` ns from now (0n: after everything already due now). */
  after(delay: bigint, label: string, fn: () => void): Timer;
  at(due: bigint, label: string, fn: () => void): Timer;
}

export class ClockLoopError extends Error {
  override readonly name = 'ClockLoopError';
}

export class Clock implements Scheduler {
  private time = 0n;
  private readonly queue = new EventQueue();

  now(): bigint {
    return this.time;
  }

  /** Number of events waiting. */
  pending(): number {
    return this.queue.peek() === undefined ? 0 : this.queue.size;
  }

  /** When the next live event is due, or undefined when nothing is scheduled. */
  nextDue(): bigint | undefined {
    return this.queue.peek()?.due;
  }

  after(delay: bigint, label: string, fn: () => void): Timer {
    if (delay < 0n) throw new RangeError(`negative delay ${delay}`);
    return this.at(this.time + delay, label, fn);
  }

  at(due: bigint, label: string, fn: () => void): Timer {
    const ev: QueuedEvent = this.queue.push(due < this.time ? this.time : due, label, fn);
    return {
      due: ev.due,
      cancel: () => {
        ev.cancelled = true;
      },
    };
  }

  /** Run the earliest event, moving time to its due instant. False when none is queued. */
  step(): boolean {
    const ev = this.queue.pop();
    if (ev === undefined) return false;
    if (ev.due > this.time) this.time = ev.due;
    ev.run();
    return true;
  }

  /** Run every event due up to now + ns, then set the time to now + ns. */
  advance(ns: bigint): number {
    if (ns < 0n) throw new RangeError(`cannot advance by a negative time (${ns})`);
    const until = this.time + ns;
    let n = 0;
    for (let next = this.nextDue(); next !== undefined && next <= until; next = this.nextDue()) {
      this.step();
      n++;
    }
    this.time = until;
    return n;
  }

  /**
   * Run events until none is left, or the next is after `until`, or `maxEvents` ran.
   * Throws ClockLoopError when maxEvents is reached with work still due, as fake-timers
   * does for a runaway loop.
   */
  run(opts: { until?: bigint; maxEvents?: number } = {}): number {
    const max = opts.maxEvents ?? 1_000_000;
    let n = 0;
    for (let next = this.nextDue(); next !== undefined; next = this.nextDue()) {
      if (opts.until !== undefined && next > opts.until) break;
      if (n >= max) {
        if (opts.maxEvents !== undefined) break;
        const label = this.queue.peek()?.label ?? '?';
        throw new ClockLoopError(`aborting after running ${n} events, assuming an endless loop (next: ${label})`);
      }
      this.step();
      n++;
    }
    if (opts.until !== undefined && opts.until > this.time) this.time = opts.until;
    return n;
  }
}

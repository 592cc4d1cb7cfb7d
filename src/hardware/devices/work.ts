/**
 * One piece of device-internal work that takes virtual time (a descriptor fetch, a copy, a
 * factorial): scheduled on the host clock, cancellable, and pausable — a migration STOP
 * freezes it with the time it still needs, and RUNNING (or a resumed copy of the device)
 * continues it for exactly that long.
 *
 * Invariant: at most one clock event per Work is live; `pending` is true from start() until
 * the work fires or is cancelled, whether it is running or paused.
 */
import type { Scheduler, Timer } from '../../base/clock.js';

export class Work {
  private generation = 0;
  private dueAt: bigint | null = null;
  private left: bigint | null = null;
  /** The live clock event, cancelled with the work so a stale one never moves the clock. */
  private timer: Timer | null = null;

  constructor(
    private readonly clock: Scheduler,
    private readonly label: string,
    private readonly fire: () => void,
  ) {}

  get pending(): boolean {
    return this.dueAt !== null || this.left !== null;
  }

  /** Nanoseconds still needed (0 when idle). */
  remaining(): bigint {
    if (this.left !== null) return this.left;
    if (this.dueAt === null) return 0n;
    const r = this.dueAt - this.clock.now();
    return r > 0n ? r : 0n;
  }

  /** Start after `delay`; created paused when `paused` (it runs on resume()). */
  start(delay: bigint, paused = false): void {
    this.cancel();
    if (paused) {
      this.left = delay;
      return;
    }
    this.arm(delay);
  }

  private arm(delay: bigint): void {
    const gen = ++this.generation;
    this.dueAt = this.clock.now() + delay;
    this.left = null;
    this.timer = this.clock.after(delay, this.label, () => {
      if (gen !== this.generation) return;
      this.dueAt = null;
      this.timer = null;
      this.fire();
    });
  }

  pause(): void {
    if (this.dueAt === null) return;
    this.left = this.remaining();
    this.dueAt = null;
    this.disarm();
  }

  resume(): void {
    if (this.left === null) return;
    const d = this.left;
    this.arm(d);
  }

  cancel(): void {
    this.disarm();
    this.dueAt = null;
    this.left = null;
  }

  private disarm(): void {
    this.generation++;
    this.timer?.cancel();
    this.timer = null;
  }
}

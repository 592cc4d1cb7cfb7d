/**
 * The bench harness: warm-up, repeated timed batches, median of batches.
 *
 * Only bench/ may read the wall clock (process.hrtime.bigint); src/ never does. Every
 * figure is reported next to an in-process baseline measured the same way in the same run,
 * so a ratio survives a slower or busier machine better than an absolute number does.
 *
 * A case runs in one of two profiles: 'full' (the real sizes, `npm run bench`) and 'quick'
 * (a handful of iterations at small sizes, for the smoke test that keeps the code alive).
 */

export type Profile = 'full' | 'quick';

export interface BenchContext {
  readonly profile: Profile;
  /** Progress lines (the runner prints them; the smoke test drops them). */
  log(line: string): void;
}

/** A target a figure must meet; `on` says whether it applies to the value or the ratio. */
export interface Target {
  readonly on: 'value' | 'ratio';
  readonly op: '<=' | '>=' | '<';
  readonly limit: number;
}

export interface Baseline {
  readonly label: string;
  readonly value: number;
  readonly unit: string;
}

export interface Figure {
  /** Stable id, e.g. 'dma.read.1MiB'; results.json is keyed by it. */
  readonly id: string;
  readonly label: string;
  /** 'measured', or 'pending' when the code it measures has not landed (value is NaN). */
  readonly status: 'measured' | 'pending';
  readonly value: number;
  readonly unit: string;
  readonly baseline?: Baseline;
  /** Defined per figure; `ratioUnit` says what it means ('x Map.get', '% of set', ...). */
  readonly ratio?: number;
  readonly ratioUnit?: string;
  readonly target?: Target;
  /** Whether the target is met (absent without a target or while pending). */
  readonly pass?: boolean;
  readonly note?: string;
}

export interface BenchCase {
  readonly name: string;
  /** What the case measures and what limits it (shown in docs/performance.md). */
  readonly about: string;
  run(ctx: BenchContext): Figure[];
}

// ---------------------------------------------------------------------------------------

export const now = (): bigint => process.hrtime.bigint();

export interface Stats {
  /** Median over batches of ns per operation. */
  readonly nsPerOp: number;
  readonly min: number;
  readonly max: number;
  readonly batches: number;
  readonly opsPerBatch: number;
}

export interface TimeOptions {
  /** Timed batches (median over them); default 9 (quick: 3). */
  readonly batches?: number;
  /** Wall time a batch should take, in ms, used to size it; default 20 (quick: 0.2). */
  readonly batchMs?: number;
  /** Upper bound on operations per batch (e.g. a pool of prepared inputs). */
  readonly maxOps?: number;
  /** Warm-up time in ms before calibration; default 50 (quick: 0). */
  readonly warmupMs?: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function quickish(ctx: BenchContext, o: TimeOptions): Required<TimeOptions> {
  const q = ctx.profile === 'quick';
  return {
    batches: o.batches ?? (q ? 3 : 9),
    batchMs: o.batchMs ?? (q ? 0.2 : 20),
    maxOps: o.maxOps ?? Number.MAX_SAFE_INTEGER,
    warmupMs: o.warmupMs ?? (q ? 0 : 50),
  };
}

/**
 * Time `body(n)`, which must perform n operations; the batch size doubles until a batch
 * takes `batchMs`, then `batches` batches run and the median ns/op is reported.
 */
export function timeOps(ctx: BenchContext, body: (n: number) => void, opts: TimeOptions = {}): Stats {
  const o = quickish(ctx, opts);
  const runOnce = (n: number): number => {
    const t0 = now();
    body(n);
    return Number(now() - t0);
  };
  const warmEnd = now() + BigInt(Math.round(o.warmupMs * 1e6));
  while (now() < warmEnd) runOnce(Math.min(64, o.maxOps));
  let n = 1;
  for (;;) {
    const ns = runOnce(n);
    if (ns >= o.batchMs * 1e6 || n >= o.maxOps) break;
    n = Math.min(o.maxOps, n * 2);
  }
  const per: number[] = [];
  for (let b = 0; b < o.batches; b++) per.push(runOnce(n) / n);
  return { nsPerOp: median(per), min: Math.min(...per), max: Math.max(...per), batches: o.batches, opsPerBatch: n };
}

/**
 * Time several bodies against each other: each is warmed and calibrated like timeOps, then
 * their batches alternate (A, B, C, A, B, C, ...), so load from other processes on a shared
 * machine lands on all of them alike and their ratio stays meaningful.
 */
export function timeInterleaved(ctx: BenchContext, bodies: ReadonlyArray<(n: number) => void>, opts: TimeOptions = {}): Stats[] {
  const o = quickish(ctx, opts);
  const sizes = bodies.map((body) => timeOps(ctx, body, { ...o, batches: 1 }).opsPerBatch);
  const per: number[][] = bodies.map(() => []);
  for (let b = 0; b < o.batches; b++) {
    bodies.forEach((body, i) => {
      const n = sizes[i]!;
      const t0 = now();
      body(n);
      per[i]!.push(Number(now() - t0) / n);
    });
  }
  return per.map((xs, i) => ({ nsPerOp: median(xs), min: Math.min(...xs), max: Math.max(...xs), batches: o.batches, opsPerBatch: sizes[i]! }));
}

/**
 * Time batches that are not idempotent: `batch()` does its own set-up outside the timed
 * part and returns [elapsed ns, ops]. Median of ns/op over `batches` batches.
 */
export function timeBatches(ctx: BenchContext, batch: () => readonly [number, number], opts: { batches?: number; warmup?: number } = {}): Stats {
  const q = ctx.profile === 'quick';
  const batches = opts.batches ?? (q ? 3 : 15);
  for (let i = 0; i < (opts.warmup ?? (q ? 1 : 5)); i++) batch();
  const per: number[] = [];
  let ops = 0;
  for (let b = 0; b < batches; b++) {
    const [ns, n] = batch();
    ops = n;
    per.push(ns / n);
  }
  return { nsPerOp: median(per), min: Math.min(...per), max: Math.max(...per), batches, opsPerBatch: ops };
}

// ---------------------------------------------------------------------------------------

export function judge(value: number, ratio: number | undefined, t: Target | undefined): boolean | undefined {
  if (t === undefined) return undefined;
  const x = t.on === 'value' ? value : ratio;
  if (x === undefined || !Number.isFinite(x)) return false;
  return t.op === '<=' ? x <= t.limit : t.op === '<' ? x < t.limit : x >= t.limit;
}

/** A measured figure; `pass` is filled in from the target. */
export function figure(f: Omit<Figure, 'status' | 'pass'>): Figure {
  const pass = judge(f.value, f.ratio, f.target);
  return { ...f, status: 'measured', ...(pass === undefined ? {} : { pass }) };
}

/** A figure whose code has not landed yet: kept in the table so the gap stays visible. */
export function pending(id: string, label: string, unit: string, why: string, target?: Target): Figure {
  return { id, label, status: 'pending', value: Number.NaN, unit, note: why, ...(target === undefined ? {} : { target }) };
}

/** Keep a value alive so the JIT cannot drop the work that produced it. */
let sinkValue = 0;
export function sink(x: number): void {
  sinkValue = (sinkValue + x) | 0;
}
export function sunk(): number {
  return sinkValue;
}

/** Heap + array buffers in bytes after a full GC (when --expose-gc is on). */
export function heapBytes(): { bytes: number; gc: boolean } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) {
    gc();
    gc();
  }
  const m = process.memoryUsage();
  return { bytes: m.heapUsed + m.arrayBuffers, gc: gc !== undefined };
}

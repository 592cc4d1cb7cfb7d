/**
 * Running the cases and printing their figures as a table. Shared by bench/run.ts and the
 * smoke test, so both exercise the same code.
 */
import { heapBytes, now, type BenchContext, type Figure } from './harness.js';
import { CASES } from './cases/index.js';

export interface CaseReport {
  readonly name: string;
  readonly about: string;
  readonly ms: number;
}

export interface RunReport {
  readonly figures: Figure[];
  readonly cases: CaseReport[];
  readonly durationMs: number;
}

export function runCases(ctx: BenchContext, only?: readonly string[]): RunReport {
  const t0 = now();
  const figures: Figure[] = [];
  const cases: CaseReport[] = [];
  for (const c of CASES) {
    if (only !== undefined && !only.includes(c.name)) continue;
    ctx.log(`· ${c.name}: ${c.about}`);
    heapBytes(); // start each case from a collected heap (a no-op without --expose-gc)
    const s = now();
    figures.push(...c.run(ctx));
    cases.push({ name: c.name, about: c.about, ms: Number(now() - s) / 1e6 });
  }
  return { figures, cases, durationMs: Number(now() - t0) / 1e6 };
}

/** Three significant digits, thousands grouped; NaN prints as '—'. */
export function num(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function verdict(f: Figure): string {
  if (f.status === 'pending') return 'pending';
  if (f.pass === undefined) return '';
  const t = f.target!;
  return `${f.pass ? 'ok' : 'MISSED'} (${t.on} ${t.op} ${num(t.limit)})`;
}

export function formatTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.id,
    f.status === 'pending' ? '—' : `${num(f.value)} ${f.unit}`,
    f.baseline === undefined ? '' : `${num(f.baseline.value)} ${f.baseline.unit} (${f.baseline.label})`,
    f.ratio === undefined ? '' : `${num(f.ratio)} ${f.ratioUnit ?? ''}`,
    verdict(f),
  ]);
  const head = ['figure', 'value', 'baseline', 'ratio', 'target'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]): string => r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd();
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
}

/**
 * `npm run bench`: runs every case once (full profile), prints a table and writes
 * bench/results.json with the machine the figures were taken on.
 *
 * Options: `--quick` (smoke-sized run), `--only <case>[,<case>]`, `--out <path>`.
 * Exit code 0 even when a target is missed: the table and the JSON say which (a bench is a
 * measurement, not a gate); a thrown error in a case is exit 1.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import { CASES } from './cases/index.js';
import { runCases, formatTable, type RunReport } from './report.js';
import type { Profile } from './harness.js';

interface Machine {
  readonly cpuModel: string;
  readonly nproc: number;
  readonly lscpu: Record<string, string>;
  readonly totalMemBytes: number;
  readonly node: string;
  readonly v8: string;
  readonly platform: string;
  readonly exposeGc: boolean;
  /** 1/5/15-minute load averages when the run started: other work on a shared machine. */
  readonly loadAvg: number[];
}

function sh(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

const LSCPU_KEYS = ['Architecture', 'Model name', 'CPU(s)', 'Thread(s) per core', 'Core(s) per socket', 'L2 cache', 'L3 cache', 'Hypervisor vendor', 'CPU max MHz'];

function machine(): Machine {
  const lscpu: Record<string, string> = {};
  for (const line of (sh('lscpu', []) ?? '').split('\n')) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const k = line.slice(0, i).trim();
    if (LSCPU_KEYS.includes(k)) lscpu[k] = line.slice(i + 1).trim();
  }
  const nproc = Number((sh('nproc', []) ?? '').trim()) || os.availableParallelism();
  return {
    cpuModel: lscpu['Model name'] ?? os.cpus()[0]?.model ?? 'unknown',
    nproc,
    lscpu,
    totalMemBytes: os.totalmem(),
    node: (sh(process.execPath, ['--version']) ?? process.version).trim(),
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    exposeGc: typeof (globalThis as { gc?: unknown }).gc === 'function',
    loadAvg: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}

const USAGE = `Usage: npm run bench [-- --quick] [-- --only CASE[,CASE]] [-- --out FILE]

  --quick   smoke-sized run (seconds; figures are rough)
  --only    run only these cases: ${CASES.map((c) => c.name).join(', ')}
  --out     where to write the JSON results (default bench/results.json)`;

function main(): void {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const profile: Profile = process.argv.includes('--quick') ? 'quick' : 'full';
  const only = arg('--only')?.split(',');
  const unknown = only?.filter((n) => !CASES.some((c) => c.name === n)) ?? [];
  if (unknown.length > 0) {
    console.error(`bench: unknown case ${unknown.join(', ')}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const out = arg('--out') ?? fileURLToPath(new URL('../../bench/results.json', import.meta.url));
  const m = machine();
  console.log(`vfio-sim bench (${profile}) on ${m.cpuModel}, ${m.nproc} CPU(s), node ${m.node}, load ${m.loadAvg.join(' ')}${m.exposeGc ? '' : ' (no --expose-gc)'}`);
  const raw: RunReport = runCases({ profile, log: (l) => console.log(l) }, only);
  // Targets are set for full-size runs; a quick run's sizes are too small to judge them.
  const report: RunReport = profile === 'full' ? raw : { ...raw, figures: raw.figures.map(({ pass: _pass, ...f }) => f) };
  console.log('');
  console.log(formatTable(report.figures));
  const json = { takenAt: new Date().toISOString(), profile, machine: m, durationMs: report.durationMs, cases: report.cases, figures: report.figures };
  writeFileSync(out, `${JSON.stringify(json, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
  const missed = report.figures.filter((f) => f.pass === false).map((f) => f.id);
  const verdict = profile === 'full' ? `targets missed: ${missed.length === 0 ? 'none' : missed.join(', ')}` : 'targets are judged on full runs only';
  console.log(`\nwrote ${out} in ${(report.durationMs / 1000).toFixed(1)} s; ${verdict}`);
}

main();

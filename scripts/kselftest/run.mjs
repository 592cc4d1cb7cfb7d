#!/usr/bin/env node
// `npm run test:kselftest`: build the kernel's VFIO selftests (prepare.sh: newest
// linux-source-X.Y of Debian trixie-backports, cached) and run each binary unmodified under
// `vfio-sim exec` on the device plan.mjs names, judging its KTAP output against what the real
// kernel does on that device (tap.mjs). Exit 0 only if every binary behaved so.
//
// Options: --only SUBSTRING (binary or machine name), --verbose (print every binary's output),
// --prepare (only fetch and build), --jobs N (binaries run at once, default: the CPUs
// available; each lane is a worker process, worker.mjs, that runs its binaries one after
// another as `vfio-sim exec` does — a fresh simulated machine each — without a Node start-up
// per binary; a failing binary's line prints the equivalent `vfio-sim exec` command).
// Env: KSELFTEST_BIN (use these binaries, skip prepare.sh).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLAN } from './plan.mjs';
import { judge } from './tap.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const cli = join(root, 'dist/src/tools/cli/main.js');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : null);
const only = option('--only');
const jobs = Math.max(1, Number(option('--jobs') ?? availableParallelism()));
const TIMEOUT_MS = 10 * 60 * 1000;

function prepare() {
  if (process.env.KSELFTEST_BIN) return process.env.KSELFTEST_BIN;
  const r = spawnSync('bash', [join(here, 'prepare.sh')], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`prepare.sh failed (exit ${r.status})`);
  return r.stdout.trim().split('\n').pop();
}

function cliJson(...cliArgs) {
  const r = spawnSync(process.execPath, [cli, ...cliArgs], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`vfio-sim ${cliArgs.join(' ')} failed: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout);
}

function execAvailable() {
  const r = spawnSync(process.execPath, [cli, 'exec', '--help'], { encoding: 'utf8' });
  return r.status === 0;
}

/**
 * A worker process (worker.mjs) that runs binaries under exec one after another, in-process:
 * `run(bin, machine, bdfs)` resolves with its status, output and wall time.
 */
function startWorker() {
  const child = spawn(process.execPath, [join(here, 'worker.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
  let buf = '';
  const waiting = [];
  child.stdout.on('data', (d) => {
    buf += d;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      waiting.shift()?.(JSON.parse(line));
    }
  });
  const closed = new Promise((resolve) => child.on('close', resolve));
  closed.then(() => {
    for (const w of waiting.splice(0)) w({ status: 2, signal: null, stdout: '', stderr: 'kselftest: the worker process ended' });
  });
  return {
    run(bin, machine, bdfs) {
      const argv = [cli, 'exec', ...(machine === 'default' ? [] : ['--machine', machine]), ...bdfs.flatMap((b) => ['--vfio', b]), '--', bin, ...bdfs];
      const started = performance.now();
      return new Promise((done) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
        waiting.push((r) => {
          clearTimeout(timer);
          done({ ...r, seconds: (performance.now() - started) / 1000, argv });
        });
        child.stdin.write(`${JSON.stringify({ bin, machine, bdfs })}\n`);
      });
    },
    end() {
      child.stdin.end();
      return closed;
    },
  };
}

/** Run `work` over `items` with `width` workers (`work(worker, item)`); results in item order. */
async function pool(items, width, work) {
  const results = new Array(items.length);
  let next = 0;
  const lane = async () => {
    const w = startWorker();
    while (next < items.length) {
      const i = next++;
      results[i] = await work(w, items[i]);
    }
    await w.end();
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
  return results;
}

/** Judge one finished run, print its line (and its output when it differs), add it up. */
function report(total, { entry, bdfs, binarySkip }, run) {
  const verdict = judge(entry, binarySkip, run);
  const c = verdict.counts;
  total.pass += c.pass;
  total.fail += c.fail;
  total.skip += c.skip;
  total.wholeSkips += verdict.wholeSkip ? 1 : 0;
  total.seconds += run.seconds;
  const what = verdict.wholeSkip ? 'skipped as a whole (expected)' : `pass:${c.pass} fail:${c.fail} skip:${c.skip}`;
  console.log(`${verdict.ok ? 'ok  ' : 'FAIL'} ${entry.binary} on ${entry.machine} ${bdfs.join(' ')}: ${what} (${run.seconds.toFixed(1)} s)`);
  if (!verdict.ok) {
    total.bad++;
    for (const p of verdict.problems) console.log(`     - ${p}`);
    console.log(`     $ node ${run.argv.join(' ')}\n${tail(run.stdout + run.stderr, 60)}`);
  } else if (flag('--verbose')) {
    console.log(tail(run.stdout + run.stderr, 1000));
  }
}

function tail(text, lines) {
  return text.trimEnd().split('\n').slice(-lines).map((l) => `    | ${l}`).join('\n');
}

async function main() {
  const binDir = prepare();
  console.log(`kselftest: binaries in ${binDir}`);
  if (flag('--prepare')) return 0;
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
  if (!execAvailable()) throw new Error('`vfio-sim exec` is not available in this build (issue 12 item 1)');

  const machines = new Map();
  const machineJson = (name) => {
    if (!machines.has(name)) machines.set(name, cliJson('machine', ...(name === 'default' ? [] : [name]), '--json'));
    return machines.get(name);
  };

  const entries = PLAN.filter((e) => !only || e.binary.includes(only) || e.machine.includes(only));
  const jobsOf = entries.map((entry) => {
    const m = machineJson(entry.machine);
    const bdfs = typeof entry.bdfs === 'function' ? entry.bdfs(m) : entry.bdfs;
    return { entry, bdfs, binarySkip: entry.binarySkip ? entry.binarySkip(m) : null };
  });
  const total = { pass: 0, fail: 0, skip: 0, wholeSkips: 0, seconds: 0, bad: 0 };
  const started = performance.now();
  const runs = await pool(jobsOf, jobs, (w, j) => w.run(join(binDir, j.entry.binary), j.entry.machine, j.bdfs));
  for (let i = 0; i < jobsOf.length; i++) report(total, jobsOf[i], runs[i]);
  const wall = (performance.now() - started) / 1000;
  console.log(
    `kselftest: ${entries.length - total.bad}/${entries.length} binaries as the kernel would run them; ` +
      `tests pass:${total.pass} fail:${total.fail} skip:${total.skip}, whole-binary skips:${total.wholeSkips}; ` +
      `binaries ${wall.toFixed(1)} s wall, ${jobs} at a time (${total.seconds.toFixed(1)} s one after another; target < 20 s)`,
  );
  return total.bad === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`kselftest: ${err.message}`);
    process.exit(1);
  },
);

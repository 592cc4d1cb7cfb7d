// Reading the KTAP a kselftest binary prints, and judging it against a plan entry.
// The harness prints `1..N`, then one `ok N name`, `ok N name # SKIP why` or `not ok N name`
// per test, and `# Totals: pass:P fail:F ...`; a binary that skips as a whole exits 4
// (KSFT_SKIP) before or instead of its plan.

const KSFT_PASS = 0;
const KSFT_SKIP = 4;

/** @returns {{ planned: number | null, results: Map<string, {outcome: string, why: string}> }} */
export function parseTap(stdout) {
  const results = new Map();
  let planned = null;
  for (const line of stdout.split('\n')) {
    const plan = /^1\.\.(\d+)/.exec(line);
    if (plan) planned = Number(plan[1]);
    const m = /^(not )?ok \d+ (\S+)(?: # (\w+)\s*(.*))?$/.exec(line);
    if (!m) continue;
    const directive = (m[3] ?? '').toUpperCase();
    const outcome = m[1] ? 'fail' : directive === 'SKIP' ? 'skip' : directive ? directive.toLowerCase() : 'pass';
    results.set(m[2], { outcome, why: m[4] ?? '' });
  }
  return { planned, results };
}

/**
 * Compare one run with what the real kernel would do on that device.
 * @param entry   the plan entry: `skips` (test name → why), `mustPrint` ([{ text, count, why }]:
 *                a check the real kernel runs that passes silently when it cannot run)
 * @param run     { status, signal, stdout }
 * @returns {{ ok: boolean, problems: string[], counts: {pass: number, fail: number, skip: number} }}
 */
export function judge(entry, binarySkip, run) {
  const { planned, results } = parseTap(run.stdout);
  const counts = { pass: 0, fail: 0, skip: 0 };
  for (const r of results.values()) counts[r.outcome === 'pass' || r.outcome === 'skip' ? r.outcome : 'fail']++;
  const problems = [];
  if (run.signal) problems.push(`killed by ${run.signal}`);
  if (binarySkip) {
    if (run.status !== KSFT_SKIP) problems.push(`expected the whole binary to skip (exit 4: ${binarySkip}), got exit ${run.status}`);
    if (counts.fail) problems.push(`${counts.fail} test(s) failed`);
    return { ok: problems.length === 0, problems, counts, wholeSkip: run.status === KSFT_SKIP };
  }
  const skips = entry.skips ?? {};
  if (run.status !== KSFT_PASS) problems.push(`exit status ${run.status} (0 expected)`);
  if (planned === null) problems.push('no TAP plan (1..N) on stdout');
  else if (planned !== results.size) problems.push(`planned ${planned} tests, reported ${results.size}`);
  for (const [name, r] of results) {
    if (name in skips) {
      if (r.outcome !== 'skip') problems.push(`${name}: ${r.outcome}, but the real kernel skips it here (${skips[name]})`);
    } else if (r.outcome !== 'pass') {
      problems.push(`${name}: ${r.outcome}${r.why ? ` (${r.why})` : ''}`);
    }
  }
  for (const name of Object.keys(skips)) {
    if (!results.has(name)) problems.push(`expected skip ${name} is not a test of this binary (stale plan?)`);
  }
  for (const { text, count, why } of entry.mustPrint ?? []) {
    const seen = run.stdout.split(text).length - 1;
    if (seen !== count) problems.push(`printed "${text}" ${seen} times, ${count} expected (${why})`);
  }
  return { ok: problems.length === 0, problems, counts, wholeSkip: false };
}

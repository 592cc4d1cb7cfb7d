/**
 * Issue 15 item 9, the small things: each one a user met on a first try.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/tools/cli/cli.js';
import { ScenarioRun, validateScenario } from '../../src/scenarios/index.js';

function cli(files: Record<string, string> = {}) {
  return (...argv: string[]) => {
    let out = '';
    let err = '';
    const code = runCli(argv, { out: (t) => (out += t + '\n'), err: (t) => (err += t + '\n'), readFile: (p) => files[p] ?? readFileSync(p, 'utf8'), writeFile: () => {} });
    return { code, out, err };
  };
}

const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
/** "33", "thirty-three", "twenty" → a number (undefined if not a count up to 99). */
function count(word: string): number | undefined {
  if (/^\d+$/.test(word)) return Number(word);
  const [t, u] = word.toLowerCase().split('-');
  if (u === undefined && WORDS.includes(t!)) return WORDS.indexOf(t!);
  const tens = TENS.indexOf(t!);
  if (tens < 2) return undefined;
  return tens * 10 + (u === undefined ? 0 : WORDS.indexOf(u));
}

describe('issue 15 item 9: small things', () => {
  it('npm start builds in build mode (tsc -b skips an up-to-date build) and still builds a fresh clone', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['start']).toMatch(/^tsc -b tsconfig\.build\.json && node dist\/src\/tools\/cli\/main\.js$/);
    expect(pkg.scripts['start']).not.toMatch(/npm run build/);
    const build = JSON.parse(readFileSync('tsconfig.build.json', 'utf8')) as { compilerOptions: Record<string, unknown> };
    expect(build.compilerOptions['incremental']).toBe(true);
  });

  it('groups --algorithm bogus lists every choice, both included', () => {
    const r = cli()('groups', '--algorithm', 'bogus');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--algorithm must be classic, bus-isolation, both \(got bogus\)/);
  });

  it('run --json on an invalid file answers in JSON on stdout (exit 2)', () => {
    const r = cli({ '/bad.json': JSON.stringify({ name: 'x', steps: [{ op: 'nope' }] }), '/syntax.json': '{ "name": ' })('run', '/bad.json', '--json');
    expect(r.code).toBe(2);
    const j = JSON.parse(r.out) as { ok: boolean; message: string };
    expect(j.ok).toBe(false);
    expect(j.message).toMatch(/steps\[0\]/);
    const s = cli({ '/syntax.json': '{ "name": ' })('run', '/syntax.json', '--json');
    expect(s.code).toBe(2);
    expect((JSON.parse(s.out) as { message: string }).message).toMatch(/not valid JSON/);
  });

  it('every bundled scenario that counts its steps in its description counts them right', () => {
    const dir = 'fixtures/scenarios';
    let checked = 0;
    for (const f of ['default.json', '01-why-groups.json', '02-container.json', '03-map-dma.json', '04-dma-fault.json', '05-interrupts.json', '06-noiommu.json', '07-iommufd.json', 'uio-vs-vfio.json']) {
      const s = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) as { description?: string; steps: unknown[] };
      for (const m of (s.description ?? '').matchAll(/\b([\w-]+) steps\b/g)) {
        const n = count(m[1]!);
        if (n === undefined) continue;
        expect(n, `${f}: "${m[0]}"`).toBe(s.steps.length);
        checked++;
      }
    }
    expect(checked, 'the default scenario states its count').toBeGreaterThan(0);
  });

  it('the playground asks for no favicon (no 404 in the console)', () => {
    expect(readFileSync('playground/index.html', 'utf8')).toMatch(/<link rel="icon" href="data:,"/);
  });

  it('the trace opens with the scenario name once: "scenario: default — title", not "scenario: scenario default:"', () => {
    const v = validateScenario(JSON.parse(readFileSync('fixtures/scenarios/default.json', 'utf8')));
    if (!v.ok) throw new Error('default scenario invalid');
    const run = new ScenarioRun(v.scenario, { loadTopology: (p) => JSON.parse(readFileSync(`fixtures/scenarios/${p}`, 'utf8')) });
    const first = run.host.trace.list().find((e) => e.who === 'scenario')!;
    expect(`${first.who}: ${first.text}`).toMatch(/^scenario: default — A short tour/);
    expect(first.text).not.toMatch(/^scenario /);
  });
});

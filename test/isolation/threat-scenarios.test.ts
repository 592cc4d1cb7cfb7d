/**
 * The threat scenarios in fixtures/scenarios/threats/ run through the scenario runner, each
 * with its expected outcome (blocked by what, or possible because of what) written down.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { runScenario } from '../../src/sim/scenario/index.js';

const DIR = 'fixtures/scenarios/threats';
const read = (p: string): unknown => JSON.parse(readFileSync(p, 'utf8')) as unknown;

describe('threat scenarios', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort().map((f) => join(DIR, f));

  it('exist for T1 (both ways), T3 and T8', () => {
    expect(files.map((f) => f.replace(/^.*\//, ''))).toEqual(['t1-p2p-switch-protected.json', 't1-p2p-switch-vulnerable.json', 't3-rid-spoof-sv.json', 't8-msi-injection.json']);
  });

  for (const file of files) {
    it(`${file}: the written outcome holds`, () => {
      const r = runScenario(read(file), { loadTopology: (p) => read(resolve(dirname(file), p)) });
      expect(r.steps.filter((s) => !s.ok).map((s) => `step ${s.index} ${s.label}: ${s.messages.join('; ')}`)).toEqual([]);
      expect(r.ok).toBe(true);
    });
  }
});

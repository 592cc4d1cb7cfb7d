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
  const threats = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort().map((f) => join(DIR, f));
  const files = [...threats, 'fixtures/scenarios/uio-vs-vfio.json'];

  it('exist for T1 (both ways), T3, T4, T8, T9, T10 and T13', () => {
    expect(threats.map((f) => f.replace(/^.*\//, ''))).toEqual([
      't1-p2p-switch-protected.json', 't1-p2p-switch-vulnerable.json', 't10-host-driver-in-group.json', 't13-rmrr.json',
      't3-rid-spoof-sv.json', 't4-rid-alias.json', 't8-msi-injection.json', 't9-acs-override.json',
    ]);
  });

  it('each writes its expected outcome down', () => {
    for (const f of files) expect((read(f) as { description?: string }).description ?? '').toMatch(/^Expected outcome: /);
  });

  for (const file of files) {
    it(`${file}: the written outcome holds`, () => {
      const r = runScenario(read(file), { loadTopology: (p) => read(resolve(dirname(file), p)) });
      expect(r.steps.filter((s) => !s.ok).map((s) => `step ${s.index} ${s.label}: ${s.messages.join('; ')}`)).toEqual([]);
      expect(r.ok).toBe(true);
    });
  }
});

/**
 * The threat scenarios in fixtures/scenarios/threats/ run through the scenario runner, each
 * with its expected outcome (blocked by what, or possible because of what) written down.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { runScenario } from '../../src/scenarios/index.js';

const DIR = 'fixtures/scenarios/threats';
const read = (p: string): unknown => JSON.parse(readFileSync(p, 'utf8')) as unknown;

describe('threat scenarios', () => {
  const threats = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort().map((f) => join(DIR, f));
  const files = [...threats, 'fixtures/scenarios/uio-vs-vfio.json'];

  it('exist for every threat of the catalogue, T1 to T13', () => {
    expect(threats.map((f) => f.replace(/^.*\//, ''))).toEqual([
      't1-p2p-switch-protected.json', 't1-p2p-switch-vulnerable.json', 't10-host-driver-in-group.json',
      't11-identity-domain.json', 't11-noiommu.json', 't12-boot-window-protected.json', 't12-boot-window-vulnerable.json',
      't13-rmrr.json', 't2-intra-device-p2p-quirk.json', 't2-intra-device-p2p.json', 't3-rid-spoof-sv.json',
      't4-rid-alias.json', 't5-sub-page-exposure.json', 't6-iotlb-window-strict.json', 't7-ats-bypass.json',
      't7-ats-untrusted.json', 't8-msi-injection.json', 't9-acs-override.json',
    ]);
    const ids = new Set(threats.map((f) => /\/t(\d+)-/.exec(f)?.[1]));
    for (let t = 1; t <= 13; t++) expect(ids.has(String(t))).toBe(true);
  });

  it('each says blocked by what, or possible because of what', () => {
    for (const f of threats) expect((read(f) as { description?: string }).description ?? '').toMatch(/\b(BLOCKED|POSSIBLE|CONTAINED|HOLE)\b/);
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

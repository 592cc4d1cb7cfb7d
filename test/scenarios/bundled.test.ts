import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/scenarios/index.js';
import { formatEntry } from '../../src/base/trace.js';
import { bundledScenarioFiles, loaderFor, readJsonFile } from './helpers.js';

describe('bundled lesson scenarios', () => {
  const files = bundledScenarioFiles();

  it('there is one per lesson, and the default tour', () => {
    const names = files.map((f) => f.replace(/^.*\//, ''));
    for (const n of ['default.json', '01-why-groups.json', '02-container.json', '03-map-dma.json', '04-dma-fault.json', '05-interrupts.json', '06-noiommu.json', '07-iommufd.json']) expect(names).toContain(n);
  });

  for (const file of files) {
    it(`${file}: every expectation holds`, () => {
      const r = runScenario(readJsonFile(file), { loadTopology: loaderFor(file) });
      const failures = r.steps.filter((s) => !s.ok).map((s) => `step ${s.index} ${s.label}: ${s.messages.join('; ')}`);
      expect(failures).toEqual([]);
      expect(r.ok).toBe(true);
      expect(r.steps.length).toBeGreaterThan(3);
    });
  }

  it('08-page-faults: the write that faulted is retried after the page response and lands', () => {
    const f = 'fixtures/scenarios/08-page-faults.json';
    const r = runScenario(readJsonFile(f), { loadTopology: loaderFor(f) });
    expect(r.ok).toBe(true);
    const lines = r.trace.map(formatEntry);
    const req = lines.findIndex((l) => l.includes('page request from 0000:01:00.0'));
    const resp = lines.findIndex((l) => l.includes('page response to 0000:01:00.0 for 0x200000: success'));
    const retry = lines.findIndex((l, i) => i > resp && l.includes('write 10 bytes at 0x200000') && !l.includes('failed'));
    expect([req >= 0, resp > req, retry > resp]).toEqual([true, true, true]);
  });

  it('a run is deterministic: the same scenario gives a byte-identical trace', () => {
    const file = 'fixtures/scenarios/default.json';
    const a = runScenario(readJsonFile(file), { loadTopology: loaderFor(file) }).trace.map(formatEntry).join('\n');
    const b = runScenario(readJsonFile(file), { loadTopology: loaderFor(file) }).trace.map(formatEntry).join('\n');
    expect(a).toBe(b);
    expect(a).toContain('scenario: step 0: bind 0000:06:00.0 to vfio-pci');
  });

  it('the lessons show what they claim: faults, the tour\'s DMA round trip', () => {
    const f4 = 'fixtures/scenarios/04-dma-fault.json';
    const r4 = runScenario(readJsonFile(f4), { loadTopology: loaderFor(f4) });
    expect(r4.host.faults().map((f) => [f.source, f.iova, f.access])).toEqual([
      ['0000:06:00.0', 0x100000n, 'write'],
      ['0000:06:00.0', 0x300000n, 'read'],
    ]);
    const f0 = 'fixtures/scenarios/default.json';
    const r0 = runScenario(readJsonFile(f0), { loadTopology: loaderFor(f0) });
    expect(r0.host.faults()).toEqual([]);
    expect(r0.trace.some((e) => e.kind === 'irq' && e.text.includes('eventfd signalled'))).toBe(true);
  });
});

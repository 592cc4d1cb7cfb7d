/**
 * Issue 15 item 2 (remainder): validation reports every problem in one pass, and each
 * message says what was expected (not zod's bare "Invalid input").
 */
import { describe, expect, it } from 'vitest';
import { safeParseTopology } from '../../src/hardware/topology/index.js';
import { readFileSync } from 'node:fs';
import { runScenario, safeParseScenario, validateScenario } from '../../src/scenarios/index.js';

describe('topology: schema and semantic problems in one pass', () => {
  it('a duplicate BDF is reported next to an unknown field and a bad type', () => {
    const r = safeParseTopology({ name: 't', pci: [
      { bdf: '0000:00:01.0', type: 'endpoint', colour: 'red' },
      { bdf: '0000:00:02.0', type: 'endpoint' },
      { bdf: '0000:00:02.0', type: 'endpoint' },
      { bdf: '0000:00:03.0', type: 'bogus' },
    ] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.issues.map((i) => i.path);
    expect(paths).toContain('pci[0].colour');
    expect(paths).toContain('pci[3].type');
    expect(r.issues).toContainEqual({ path: 'pci[2].bdf', message: 'duplicate BDF 0000:00:02.0 (also at pci[1])' });
  });

  it('a node that fails the schema is left out with its subtree, its siblings still checked (paths as written)', () => {
    const r = safeParseTopology({ name: 't', pci: [
      { bdf: '0000:00:01.0', type: 'root-port', bogus: 1, children: [{ bdf: '0000:01:00.0', type: 'endpoint' }] },
      { bdf: '0000:00:02.0', type: 'endpoint', children: [{ bdf: '0000:02:00.0', type: 'endpoint' }] },
    ] });
    if (r.ok) throw new Error('expected issues');
    expect(r.issues.map((i) => i.path)).toEqual(['pci[0].bogus', 'pci[1].children']);
    expect(r.issues[1]!.message).toMatch(/only bridges have children/);
  });
});

describe('topology: messages say what was expected', () => {
  it('a wrong type or a missing field names what it got', () => {
    const r = safeParseTopology({ name: 7, pci: [{ type: 'endpoint' }] });
    if (r.ok) throw new Error('expected issues');
    const m = Object.fromEntries(r.issues.map((i) => [i.path, i.message]));
    expect(m['name']).toBe('expected string, got number 7');
    expect(m['pci[0].bdf']).toBe('expected string, got nothing (the field is missing)');
  });
});

describe('scenario: messages say what was expected', () => {
  const issues = (steps: unknown[]) => {
    const r = safeParseScenario({ name: 's', topology: 'x.json', steps });
    if (r.ok) throw new Error('expected issues');
    return Object.fromEntries(r.issues.map((i) => [i.path, i.message]));
  };

  it('a union names its choices and what it got', () => {
    const m = issues([{ op: 'ioctl', fd: 3, request: 'VFIO_GET_API_VERSION', expect: { errno: 5 } }]);
    expect(m['steps[0].expect.errno']).toBe('expected string, or one of "ok"; got number 5');
  });

  it('a wrong or missing type says what it got', () => {
    const m = issues([{ op: 'expect-faults', count: 'x' }, { op: 'note' }]);
    expect(m['steps[0].count']).toBe('expected number, got the string "x"');
    expect(m['steps[1].text']).toBe('expected string, got nothing (the field is missing)');
    expect(Object.values(m).join('\n')).not.toMatch(/Invalid input/);
  });
});

describe('flag lists inside arg', () => {
  const map = (flags: unknown) => ({ op: 'ioctl', fd: 'c', request: 'VFIO_IOMMU_MAP_DMA', arg: { argsz: 'sizeof(vfio_iommu_type1_dma_map)', flags, vaddr: 0, iova: 0, size: 4096 } });
  it('each flag is checked at its own path; an expression at its field', () => {
    const r = validateScenario({ name: 's', topology: 'x.json', steps: [{ op: 'open', path: '/dev/vfio/vfio', as: 'c' }, map('VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_BOGUS'), map(['VFIO_DMA_MAP_FLAG_READ', 'NOPE_FLAG'])] });
    if (r.ok) throw new Error('expected issues');
    const m = Object.fromEntries(r.issues.map((i) => [i.path, i.message]));
    expect(m['steps[1].arg.flags']).toMatch(/VFIO_DMA_MAP_FLAG_BOGUS is neither a variable nor a uapi constant/);
    expect(m['steps[2].arg.flags[1]']).toMatch(/NOPE_FLAG is neither a variable nor a uapi constant/);
  });

  it('a valid flag list is OR-ed at run time: the default scenario with its MAP_DMA flags as a list still holds', () => {
    const json = JSON.parse(readFileSync('fixtures/scenarios/default.json', 'utf8')) as { steps: Array<{ request?: string; arg?: { flags?: unknown } }> };
    const step = json.steps.find((s) => s.request === 'VFIO_IOMMU_MAP_DMA')!;
    step.arg!.flags = ['VFIO_DMA_MAP_FLAG_READ', 'VFIO_DMA_MAP_FLAG_WRITE'];
    const r = runScenario(json, { loadTopology: (p) => JSON.parse(readFileSync(`fixtures/scenarios/${p}`, 'utf8')) });
    expect(r.failed).toBe(0);
    step.arg!.flags = ['VFIO_DMA_MAP_FLAG_READ'];
    expect(runScenario(json, { loadTopology: (p) => JSON.parse(readFileSync(`fixtures/scenarios/${p}`, 'utf8')) }).failed, 'write-back DMA needs the WRITE flag').toBeGreaterThan(0);
  });
});

import { describe, expect, it } from 'vitest';
import { evalExpr, parseBytes, runScenario, safeParseScenario, ScenarioInputError, ScenarioRun, parseScenario } from '../../src/scenarios/index.js';
import { ValueError } from '../../src/scenarios/values.js';
import { readJsonFile } from './helpers.js';

const topo = readJsonFile('fixtures/topologies/default.json');
const scen = (steps: unknown[]): unknown => ({ name: 't', topology: topo, steps });
/** The step-through runner (the playground's), which checks only the shape and reports the rest as failed steps. */
const runSteps = (json: unknown) => new ScenarioRun(parseScenario(json)).runAll();

describe('scenario values', () => {
  it('evaluates literals, variables, uapi constants and sizeof left to right, with parentheses', () => {
    const vars = new Map([['buf', 0x7000n]]);
    expect(evalExpr('0x1000', vars)).toBe(0x1000n);
    expect(evalExpr('$buf + 0x1000', vars)).toBe(0x8000n);
    expect(evalExpr('buf - 0x10', vars)).toBe(0x6ff0n);
    expect(evalExpr('VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE', vars)).toBe(3n);
    expect(evalExpr('sizeof(vfio_iommu_type1_dma_map)', vars)).toBe(32n);
    expect(evalExpr('(VFIO_PCI_CONFIG_REGION_INDEX << 40) + PCI_COMMAND', vars)).toBe((7n << 40n) + 4n);
    expect(evalExpr('1 + 2 * 3', vars)).toBe(9n); // left to right, as documented
    expect(() => evalExpr('$nope', vars)).toThrow(ValueError);
    expect(() => evalExpr('NOT_A_CONSTANT', vars)).toThrow(/neither a variable nor a uapi constant/);
    expect(() => evalExpr('1 +', vars)).toThrow(ValueError);
    expect([...parseBytes('de ad be ef')]).toEqual([0xde, 0xad, 0xbe, 0xef]);
    expect([...parseBytes({ text: 'hi' })]).toEqual([0x68, 0x69]);
    expect(() => parseBytes('abc')).toThrow(ValueError);
  });
});

describe('scenario schema', () => {
  it('names the field path of every problem', () => {
    const r = safeParseScenario({ name: 'x', steps: [{ op: 'open', path: '/dev/vfio/vfio' }, { op: 'ioctl', fd: 'c', request: 'vfio_bad' }, { op: 'bogus' }] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.issues.map((i) => i.path);
    expect(paths).toContain('steps[1].request');
    expect(paths).toContain('steps[2].op');
    expect(() => parseScenario({ steps: [] })).toThrow(ScenarioInputError);
  });

  it('reports a bad inline topology with the topology field path, before running anything', () => {
    expect(() => new ScenarioRun(parseScenario({ name: 'x', topology: { name: 'x', pci: [{ bdf: '0000:00:01', type: 'endpoint' }] }, steps: [] }))).toThrow(/topology\.pci\[0\]\.bdf/);
  });
});

describe('scenario runner', () => {
  it('records failed expectations without throwing and goes on', () => {
    const r = runSteps(scen([
      { op: 'open', path: '/dev/vfio/vfio', as: 'c' },
      { op: 'ioctl', fd: 'c', request: 'VFIO_GET_API_VERSION', expect: { result: 1 } },
      { op: 'open', path: '/dev/vfio/99', expect: { errno: 'ENOENT' } },
      { op: 'open', path: '/dev/vfio/99' },
      { op: 'ioctl', fd: 'c', request: 'VFIO_SET_IOMMU', arg: 'VFIO_TYPE1v2_IOMMU', expect: { errno: 'EBUSY' } },
      { op: 'ioctl', fd: 'c', request: 'NOT_A_REQUEST' },
      { op: 'load', addr: '0x1000', size: 4, expect: { signal: 'SIGSEGV' } },
    ]));
    expect(r.steps.map((s) => s.ok)).toEqual([true, false, true, false, false, false, true]);
    expect(r.steps[1]!.messages[0]).toBe('result is 0x0 (0), expected 0x1 (1)');
    expect(r.steps[3]!.messages[0]).toMatch(/^failed with -ENOENT/);
    expect(r.steps[4]!.messages[0]).toBe('expected EBUSY, got -EINVAL');
    expect(r.steps[5]!.messages[0]).toMatch(/not a VFIO or iommufd request name/);
    expect(r.ok).toBe(false);
    expect(r.failed).toBe(4);
    expect(r.trace.some((e) => e.who === 'scenario' && e.text.startsWith('step 1 FAILED'))).toBe(true);
  });

  it('converts ioctl arguments with the struct layout: u64 fields become bigint, unknown fields are named', () => {
    const r = runSteps(scen([
      { op: 'bind', bdf: '0000:06:00.0', driver: 'vfio-pci' },
      { op: 'open', path: '/dev/vfio/vfio', as: 'c' },
      { op: 'open', path: '/dev/vfio/17', as: 'g' },
      { op: 'ioctl', fd: 'g', request: 'VFIO_GROUP_SET_CONTAINER', arg: 'c' },
      { op: 'ioctl', fd: 'c', request: 'VFIO_SET_IOMMU', arg: 'VFIO_TYPE1v2_IOMMU' },
      { op: 'ioctl', fd: 'c', request: 'VFIO_IOMMU_GET_INFO', arg: { argsz: 'sizeof(vfio_iommu_type1_info)' }, capture: { pg: 'iova_pgsizes' } },
      { op: 'ioctl', fd: 'c', request: 'VFIO_IOMMU_MAP_DMA', arg: { argsz: 32, flags: 1, vaddr: 0, iova: 0, size: '0x1000', bogus: 1 } },
      { op: 'ioctl', fd: 'c', request: 'VFIO_IOMMU_MAP_DMA', expect: { errno: 'EFAULT' } },
      { op: 'ioctl', fd: 'c', request: 'VFIO_IOMMU_GET_INFO', arg: { argsz: 8 }, expect: { errno: 'EINVAL' } },
    ]));
    expect(r.steps.map((s) => s.ok)).toEqual([true, true, true, true, true, true, false, true, true]);
    expect(r.steps[6]!.messages[0]).toMatch(/arg\.bogus: struct vfio_iommu_type1_dma_map has no field bogus/);
  });

  it('steps one at a time, and spawned processes are checked by permission', () => {
    const run = new ScenarioRun(parseScenario(scen([
      { op: 'bind', bdf: '0000:06:00.0', driver: 'vfio-pci' },
      { op: 'spawn', as: 'user', uid: 1000 },
      { op: 'open', process: 'user', path: '/dev/vfio/17', expect: { errno: 'EACCES' } },
      { op: 'write-file', process: 'user', path: '/sys/bus/pci/drivers/vfio-pci/unbind', data: '0000:06:00.0', expect: { errno: 'EACCES' } },
    ])));
    expect(run.position).toBe(0);
    expect(run.step()!.ok).toBe(true);
    expect(run.done).toBe(false);
    const rest = run.runAll();
    expect(rest.steps.map((s) => s.ok)).toEqual([true, true, true, true]);
    expect(run.step()).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/tools/cli/cli.js';
import { recordingIo, writeTemp } from '../scenarios/helpers.js';

function run(...argv: string[]) {
  const io = recordingIo();
  const code = runCli(argv, io);
  return { code, out: io.outText(), err: io.errText(), writes: io.writes };
}

describe('vfio-sim run', () => {
  it('prints the trace and exits 0 when every expectation held', () => {
    const r = run('run', 'fixtures/scenarios/default.json');
    expect(r.code).toBe(0);
    expect(r.out).toContain('scenario: step 0: bind 0000:06:00.0 to vfio-pci');
    expect(r.out).toContain('ioctl(0, VFIO_IOMMU_MAP_DMA, {argsz=32, flags=VFIO_DMA_MAP_FLAG_READ|VFIO_DMA_MAP_FLAG_WRITE, vaddr=0x7effffff0000, iova=0x100000, size=0x10000}) = 0');
    expect(r.out).toMatch(/✓ all \d+ steps held/);
  });

  it('exits 1 and names each failed step when an expectation fails', () => {
    const f = writeTemp('failing.json', { name: 'failing', topology: `${process.cwd()}/fixtures/topologies/example-1.json`, steps: [{ op: 'open', path: '/dev/vfio/vfio', as: 'c' }, { op: 'ioctl', fd: 'c', request: 'VFIO_GET_API_VERSION', expect: { result: 7 } }] });
    const r = run('run', f, '--quiet');
    expect(r.code).toBe(1);
    expect(r.out).toContain('✗ step 1 (ioctl(c, VFIO_GET_API_VERSION)): result is 0x0 (0), expected 0x7 (7)');
    expect(r.out).not.toContain('syscall');
    const j = JSON.parse(run('run', f, '--json').out) as { ok: boolean; steps: Array<{ ok: boolean }> };
    expect(j.ok).toBe(false);
    expect(j.steps.map((s) => s.ok)).toEqual([true, false]);
  });

  it('exits 2 on a bad scenario, naming the field path, with no stack', () => {
    const f = writeTemp('bad.json', { name: 'bad', steps: [{ op: 'ioctl', fd: 'c' }] });
    const r = run('run', f);
    expect(r.code).toBe(2);
    expect(r.err).toContain('steps[0].request');
    expect(r.err).not.toContain('    at ');
    expect(run('run').code).toBe(2);
    expect(run('run', '/nonexistent.json').code).toBe(2);
    expect(run('run', '--help').out).toContain('Usage: vfio-sim run');
  });
});

describe('vfio-sim validate on scenarios', () => {
  it('tells a scenario from a topology and checks the scenario\'s topology too', () => {
    const ok = run('validate', 'fixtures/scenarios/03-map-dma.json');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/valid scenario \(\d+ steps\)/);
    const badTopo = writeTemp('badtopo.json', { name: 'x', topology: { name: 'x', pci: [{ bdf: 'nope', type: 'endpoint' }] }, steps: [] });
    const r = run('validate', badTopo);
    expect(r.code).toBe(2);
    expect(r.err).toContain('topology.pci[0].bdf');
    const j = JSON.parse(run('validate', writeTemp('badsteps.json', { name: 'x', steps: [{ op: 'run', ns: [] }] }), '--json').out) as { kind: string; valid: boolean; issues: Array<{ path: string }> };
    expect(j.kind).toBe('scenario');
    expect(j.valid).toBe(false);
    expect(j.issues[0]!.path).toBe('steps[0].ns');
  });
});

describe('vfio-sim draw', () => {
  it('draws a topology at boot and a scenario at a chosen step', () => {
    const t = run('draw', 'fixtures/topologies/example-1.json', '--out', '/tmp/x.svg');
    expect(t.code).toBe(0);
    const svg = t.writes.get('/tmp/x.svg')!;
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('group 1');
    const end = run('draw', 'fixtures/scenarios/04-dma-fault.json', '--out', '/tmp/y.svg').writes.get('/tmp/y.svg')!;
    expect(end).toContain('IOMMU faults (2)');
    const early = run('draw', 'fixtures/scenarios/04-dma-fault.json', '--step', '3', '--out', '/tmp/y.svg').writes.get('/tmp/y.svg')!;
    expect(early).not.toContain('IOMMU faults');
    expect(early).toContain('after step 3 of');
  });

  it('refuses bad options with exit 2', () => {
    expect(run('draw', 'fixtures/topologies/example-1.json').code).toBe(2);
    expect(run('draw', 'fixtures/topologies/example-1.json', '--step', '2', '--out', '/tmp/z.svg').code).toBe(2);
    expect(run('draw', 'fixtures/scenarios/default.json', '--step', 'x', '--out', '/tmp/z.svg').code).toBe(2);
    expect(run('draw', 'fixtures/scenarios/default.json', '--step', '999', '--out', '/tmp/z.svg').code).toBe(2);
  });
});

describe('no command: the tour', () => {
  it('shows the machine and then runs the default scenario', () => {
    const r = run();
    expect(r.code).toBe(0);
    const machineAt = r.out.indexOf('machine: workstation');
    const tourAt = r.out.indexOf('default scenario: fixtures/scenarios/default.json');
    expect(machineAt).toBeGreaterThanOrEqual(0);
    expect(tourAt).toBeGreaterThan(machineAt);
    expect(r.out).toMatch(/✓ all \d+ steps held/);
  });
});

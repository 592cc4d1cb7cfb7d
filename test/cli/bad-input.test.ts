/**
 * Issue 14 items 2, 3, 4, 10 and issue 15 item 2 (in part): every kind of bad input to the
 * CLI is exit 2 with the field path and what was expected (or, once a scenario runs, a
 * failed step: exit 1) -- never exit 3 and never a stack trace. `validate` and `run` share
 * one validation path: what run refuses before running, validate refuses.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/tools/cli/cli.js';

/** The CLI on an in-memory file system (plus read-only access to the repository's fixtures). */
function cli(files: Record<string, unknown>) {
  const fs = new Map(Object.entries(files).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  const dirs = new Set(['/out']);
  return (...argv: string[]) => {
    let out = '';
    let err = '';
    const code = runCli(argv, {
      out: (t) => (out += t + '\n'),
      err: (t) => (err += t + '\n'),
      readFile: (p) => fs.get(p) ?? readFileSync(p, 'utf8'),
      writeFile: (p, d) => {
        if (dirs.has(p)) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, open '${p}'`), { code: 'EISDIR' });
        if (!dirs.has(p.slice(0, p.lastIndexOf('/')))) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
        fs.set(p, d);
      },
    });
    expect(err, 'no stack trace').not.toMatch(/\n\s+at /);
    return { code, out, err };
  };
}

const topo = { name: 't', pci: [{ bdf: '0000:00:01.0', type: 'endpoint' }] };
const scen = (steps: unknown[], extra: object = {}) => ({ name: 's', topology: topo, steps, ...extra });

describe('bad topologies: exit 2 with the path', () => {
  it('an unknown kernel parameter or a bad value is refused by validate and by every command that boots', () => {
    const run = cli({ '/a.json': { ...topo, kernel: { params: { 'vfio.bogus': true } } }, '/b.json': { ...topo, kernel: { params: { 'vfio.enable_unsafe_noiommu_mode': 0 } } }, '/c.json': { ...topo, kernel: { params: { 'vfio_iommu_type1.dma_entry_limit': -5 } } } });
    for (const cmd of ['validate', 'machine', 'groups']) {
      const r = run(cmd, '/a.json');
      expect(r.code, cmd).toBe(2);
      expect(r.err).toContain('kernel.params["vfio.bogus"]');
      expect(run(cmd, '/c.json').code).toBe(2);
    }
    expect(run('draw', '/a.json', '--out', '/out/x.svg').code).toBe(2);
    expect(run('machine', '/b.json').code).toBe(0);
  });

  it('a tree nested deeper than 256 buses is exit 2 saying so, for validate, machine, groups and draw', () => {
    let node: Record<string, unknown> = { bdf: '0000:00:00.0', type: 'endpoint' };
    for (let i = 0; i < 3000; i++) node = { bdf: '0000:00:01.0', type: 'pcie-switch-down', children: [node] };
    const run = cli({ '/deep.json': { name: 'deep', pci: [node] }, '/deep-s.json': scen([], { topology: { name: 'deep', pci: [node] } }) });
    for (const argv of [['validate', '/deep.json'], ['machine', '/deep.json'], ['groups', '/deep.json'], ['draw', '/deep.json', '--out', '/out/d.svg'], ['validate', '/deep-s.json'], ['run', '/deep-s.json']]) {
      const r = run(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(/256/);
    }
  });
});

describe('a scenario given to a topology command', () => {
  it('machine and groups say it is a scenario and what to run instead (exit 2)', () => {
    const run = cli({});
    for (const cmd of ['machine', 'groups']) {
      const r = run(cmd, 'fixtures/scenarios/default.json');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/is a scenario.*vfio-sim run/);
    }
  });
});

describe('JSON and editor conveniences', () => {
  it('a JSON syntax error names the line and column', () => {
    const run = cli({ '/bad.json': '{\n  "name": "t",\n  oops\n}' });
    const r = run('validate', '/bad.json');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/not valid JSON: .*line 3 column 3/);
  });

  it('a topology may name its JSON Schema with "$schema"', () => {
    const run = cli({ '/t.json': { $schema: '../fixtures/schema/topology.schema.json', ...topo } });
    expect(run('validate', '/t.json').code).toBe(0);
  });
});

describe('values nested deeper than any stack', () => {
  it('a 100,000-deep array in any field is exit 2, never a stack overflow', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const files: Record<string, string> = {
      '/p.json': `{"name":"t","pci":[],"kernel":{"params":{"vfio.enable_unsafe_noiommu_mode":${deep}}}}`,
      '/n.json': `{"name":"t","pci":[{"bdf":"0000:00:01.0","type":"endpoint","model":"edu","params":{"dmaMask":${deep}}}]}`,
      '/s.json': `{"name":"s","steps":[{"op":"ioctl","fd":0,"request":"VFIO_GET_API_VERSION","arg":${deep}},{"op":"note","text":${deep}}]}`,
      '/a.json': `{"name":"s","steps":[{"op":"ioctl","fd":0,"request":"VFIO_IOMMU_MAP_DMA","arg":{"argsz":${deep}}}]}`,
    };
    const run = cli(files);
    for (const [f, cmds] of [['/p.json', ['validate', 'machine']], ['/n.json', ['validate', 'machine']], ['/s.json', ['validate', 'run']], ['/a.json', ['validate', 'run']]] as const) {
      for (const c of cmds) expect(run(c, f).code, `${c} ${f}`).toBe(2);
    }
  });
});

describe('draw --out', () => {
  it('into a missing directory or onto a directory is exit 2 with the reason', () => {
    const run = cli({});
    const a = run('draw', 'fixtures/topologies/example-1.json', '--out', '/missing/x.svg');
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/\/missing\/x\.svg.*(ENOENT|no such)/);
    const b = run('draw', 'fixtures/topologies/example-1.json', '--out', '/out');
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/EISDIR|directory/);
    expect(run('draw', 'fixtures/topologies/example-1.json', '--out', '/out/ok.svg').code).toBe(0);
  });
});

describe('scenarios: validate refuses what run refuses; a bad step never exits 3', () => {
  const cases: Array<[string, unknown[], RegExp]> = [
    ['an unknown request name', [{ op: 'open', path: '/dev/vfio/vfio', as: 'c' }, { op: 'ioctl', fd: 'c', request: 'VFIO_GET_API_VERSON' }], /steps\[1\]\.request/],
    ['an unknown struct field', [{ op: 'open', path: '/dev/vfio/vfio', as: 'c' }, { op: 'ioctl', fd: 'c', request: 'VFIO_IOMMU_MAP_DMA', arg: { argsz: 32, vadr: 0 } }], /steps\[1\]\.arg\.vadr/],
    ['an unknown constant', [{ op: 'open', path: '/dev/vfio/vfio', flags: 'O_RDWRX' }], /steps\[0\]\.flags/],
    ['a variable no earlier step sets', [{ op: 'close', fd: '$nothing' }], /steps\[0\]\.fd/],
    ['a process no spawn step names', [{ op: 'open', path: '/dev/vfio/vfio', process: 'ghost' }], /steps\[0\]\.process/],
    ['a fractional fd', [{ op: 'write', fd: 1.5, bytes: '00' }], /steps\[0\]\.fd/],
    ['a negative run time', [{ op: 'run', ns: -5 }], /steps\[0\]\.ns/],
    ['bad hex bytes', [{ op: 'write', fd: 0, bytes: 'xyz' }], /steps\[0\]\.bytes/],
    ['a shift no u64 holds', [{ op: 'set', var: 'x', value: '1 << 0xffffffffff' }], /steps\[0\]\.value/],
  ];
  for (const [what, steps, path] of cases) {
    it(`${what}: validate and run both exit 2 naming ${path.source}`, () => {
      const run = cli({ '/s.json': scen(steps) });
      const v = run('validate', '/s.json');
      expect(v.code).toBe(2);
      expect(v.err).toMatch(path);
      const r = run('run', '/s.json');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(path);
    });
  }

  it('a numeric request is taken where a name is: 0x3b64 is VFIO_GET_API_VERSION', () => {
    const run = cli({ '/s.json': scen([{ op: 'open', path: '/dev/vfio/vfio', as: 'c' }, { op: 'ioctl', fd: 'c', request: 0x3b64, expect: { result: 0 } }, { op: 'ioctl', fd: 'c', request: '0x3b64', expect: { result: 'VFIO_API_VERSION' } }]) });
    expect(run('validate', '/s.json').code).toBe(0);
    const r = run('run', '/s.json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });

  it('values only known when the scenario runs are failed steps (exit 1), not crashes', () => {
    const steps = [
      { op: 'mmap', length: '0x1000', prot: 'PROT_READ', flags: ['MAP_PRIVATE', 'MAP_ANONYMOUS'], as: 'buf' },
      { op: 'set', var: 'big', value: '($buf - $buf + 1) << 64' },
      { op: 'munmap', addr: '$big', length: 4096 },
      { op: 'run', ns: '0 - $buf' },
      { op: 'set', var: 'huge', value: '$buf << 64 << 64' },
    ];
    const run = cli({ '/s.json': scen(steps) });
    expect(run('validate', '/s.json').code).toBe(0);
    const r = run('run', '/s.json', '--quiet');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/step 2 .*out of range/);
    expect(r.out).toMatch(/step 3 .*out of range/);
    expect(r.out).toMatch(/step 4 .*/);
  });
});

describe('docs/bad-input.md', () => {
  it('is linked from the README and gives each exit code its one meaning', () => {
    expect(readFileSync('README.md', 'utf8')).toContain('docs/bad-input.md');
    const doc = readFileSync('docs/bad-input.md', 'utf8');
    for (const row of ['| 0 | it held', '| 1 | a scenario ran and some expectation failed', '| 2 | bad input', '| 3 | a bug in vfio-sim']) expect(doc).toContain(row);
    for (const cls of ['ERR_INVALID_ARG_TYPE', 'ERR_OUT_OF_RANGE', 'SystemError', 'SignalError']) expect(doc).toContain(cls);
  });
});

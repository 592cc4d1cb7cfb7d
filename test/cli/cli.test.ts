import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/tools/cli/cli.js';

function run(...argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runCli(argv, {
    out: (t) => (out += t + '\n'),
    err: (t) => (err += t + '\n'),
    readFile: (p) => readFileSync(p, 'utf8'),
    writeFile: (p, d) => writeFileSync(p, d),
  });
  return { code, out, err };
}

describe('vfio-sim CLI', () => {
  it('with no command shows the default machine: tree, groups with reasons, viability', () => {
    const r = run();
    expect(r.code).toBe(0);
    expect(r.out).toContain('machine: workstation');
    expect(r.out).toContain('└─ 0000:06:00.0 endpoint 1234:11e8 (edu) — no driver, group 17');
    expect(r.out).toContain('group 8: viable for VFIO');
    expect(r.out).toContain('0000:0a:00.0  joined group 8: upstream bridge 0000:00:1d.0 is not ACS-isolated');
    expect(r.out).toContain('group 10: NOT viable: 0000:01:00.0 is bound to nouveau; 0000:01:00.1 is bound to snd_hda_intel');
  });

  it('groups --algorithm both shows where the algorithms differ (spec example 4)', () => {
    const r = run('groups', 'fixtures/topologies/example-4.json', '--algorithm', 'both');
    expect(r.code).toBe(0);
    expect(r.out).toContain('The two algorithms form DIFFERENT groups.');
    const same = run('groups', 'fixtures/topologies/example-3.json', '--algorithm', 'both');
    expect(same.out).toContain('The two algorithms form the same groups.');
  });

  it('--json gives machine-readable output', () => {
    const r = run('groups', 'fixtures/topologies/example-1.json', '--json');
    const j = JSON.parse(r.out) as { groups: Array<{ members: string[] }> };
    expect(j.groups.map((g) => g.members)).toEqual([['0000:00:1c.0'], ['0000:01:00.0', '0000:01:00.1']]);
  });

  it('validate names the bad field and exits 2; never a stack trace', () => {
    const bad = '/tmp/vfio-sim-bad-topology.json';
    writeFileSync(bad, JSON.stringify({ name: 'x', pci: [{ bdf: '0000:00:01', type: 'endpoint' }] }));
    const r = run('validate', bad);
    expect(r.code).toBe(2);
    expect(r.err).toContain('pci[0].bdf');
    expect(r.err).not.toContain('    at ');
    expect(run('validate', 'fixtures/topologies/default.json').code).toBe(0);
    writeFileSync(bad, '{ not json');
    const j = run('machine', bad);
    expect(j.code).toBe(2);
    expect(j.err).toContain('not valid JSON');
    expect(run('machine', '/nonexistent.json').code).toBe(2);
  });

  it('rejects unknown commands and options with exit 2, and prints help', () => {
    expect(run('frobnicate').code).toBe(2);
    const o = run('groups', '--bogus');
    expect(o.code).toBe(2);
    expect(o.err).toContain('Usage: vfio-sim groups');
    expect(run('groups', '--algorithm', 'random', 'fixtures/topologies/example-1.json').code).toBe(2);
    const h = run('--help');
    expect(h.code).toBe(0);
    expect(h.out).toContain('Commands:');
    expect(run('machine', '--help').out).toContain('Examples:');
  });
});

/**
 * Issue 15 item 6: bundled machines and scenarios by name, from anywhere. The CLI here runs
 * as from an installed package in some other folder: relative paths do not resolve (no
 * repository around), only `io.bundled` reaches the package's own fixtures. The README's
 * CLI lines must work that way.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/tools/cli/cli.js';
import { loadTopology, TopologyError } from '../../src/index.js';

const ROOT = resolve('.');

/** An installed package's view: the working directory is empty; fixtures come through bundled(). */
function elsewhere(...argv: string[]) {
  let out = '';
  let err = '';
  const code = runCli(argv, {
    out: (t) => (out += t + '\n'),
    err: (t) => (err += t + '\n'),
    readFile: (p) => {
      if (!isAbsolute(p)) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
      return readFileSync(p, 'utf8');
    },
    writeFile: () => {},
    bundled: (rel) => resolve(ROOT, rel),
  });
  return { code, out, err };
}

describe('issue 15 item 6: bundled machines and scenarios by name', () => {
  it('vfio-sim machine default / server and groups example-4 --algorithm both', () => {
    const d = elsewhere('machine', 'default');
    expect(d.code, d.err).toBe(0);
    expect(d.out).toMatch(/^machine: workstation/);
    expect(elsewhere('machine', 'server').out).toMatch(/00:04\.0/);
    const g = elsewhere('groups', 'example-4', '--algorithm', 'both');
    expect(g.code, g.err).toBe(0);
    expect(g.out).toMatch(/classic:[\s\S]*bus-isolation:/);
  });

  it('an unknown name lists the bundled ones', () => {
    const r = elsewhere('machine', 'exmaple-4');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no bundled machine is named exmaple-4.*bundled: default, example-1,.*example-4,.*server/);
  });

  it('run, draw by scenario name (lessons and threats)', () => {
    const r = elsewhere('run', 'default', '--quiet');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/✓ all 33 steps held/);
    expect(elsewhere('run', 'threats/t4-rid-alias', '--quiet').code).toBeLessThan(2);
    expect(elsewhere('draw', '03-map-dma', '--out', '/tmp/x.svg').code).toBe(0);
  });

  it('every `npx vfio-sim` line of the README works outside the repository', () => {
    const lines = readFileSync('README.md', 'utf8').split('\n').filter((l) => l.startsWith('npx vfio-sim '));
    expect(lines.length).toBeGreaterThan(4);
    for (const line of lines) {
      const argv = line.replace(/#.*$/, '').trim().split(/\s+/).slice(2);
      if (argv.some((a) => a.includes('my-') || a.includes('['))) continue; // the user's own file or program
      const r = elsewhere(...argv);
      expect(r.code, `${line}\n${r.err}`).toBeLessThan(2);
    }
  });

  it('loadTopology(name) loads a bundled machine; a path gets a message saying what to pass', () => {
    expect(loadTopology('example-4').functions.length).toBeGreaterThan(0);
    expect(loadTopology('server').name).toBe(loadTopology(JSON.parse(readFileSync('fixtures/topologies/server.json', 'utf8'))).name);
    expect(() => loadTopology('fixtures/topologies/example-4.json')).toThrow(/reads no files: pass the parsed JSON/);
    expect(() => loadTopology('nope')).toThrow(TopologyError);
  });
});

/**
 * Issue 15 item 6: `loadTopology(nameOrPath)` loads a file by path on Node (the package's
 * `node` export condition: src/index.node.ts), while the browser entry (src/index.ts) stays
 * free of node: imports, so the playground's build cannot pull in node:fs.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as browser from '../../src/index.js';
import * as node from '../../src/index.node.js';

const tmp = mkdtempSync(join(tmpdir(), 'vfio-sim-topo-'));

describe('loadTopology on Node reads paths', () => {
  it('a relative or absolute path loads the same machine as its bundled name', () => {
    const byName = node.loadTopology('example-4');
    const rel = node.loadTopology('fixtures/topologies/example-4.json');
    const abs = node.loadTopology(resolve('fixtures/topologies/example-4.json'));
    expect(rel.functions.map((f) => f.bdf)).toEqual(byName.functions.map((f) => f.bdf));
    expect(abs.functions.map((f) => f.bdf)).toEqual(byName.functions.map((f) => f.bdf));
    // and a Host boots on it
    expect(new node.Host(rel).topology.functions.length).toBe(byName.functions.length);
  });

  it('a file of your own, with JSON syntax errors placed by line and column', () => {
    const mine = JSON.parse(readFileSync('fixtures/topologies/example-1.json', 'utf8')) as Record<string, unknown>;
    const ok = join(tmp, 'mine.json');
    writeFileSync(ok, JSON.stringify({ ...mine, name: 'my machine' }));
    expect(node.loadTopology(ok).name).toBe('my machine');
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, '{\n  "name": "x",\n  oops\n}');
    expect(() => node.loadTopology(bad)).toThrow(/bad\.json: not valid JSON: .*line 3 column 3/);
  });

  it('a missing name lists the bundled machines; a missing path says it cannot read it; a scenario is named as one', () => {
    expect(() => node.loadTopology('exmaple-4')).toThrow(/no bundled machine is named 'exmaple-4' and there is no such file; bundled: default, .*example-4/);
    expect(() => node.loadTopology(join(tmp, 'nope.json'))).toThrow(node.TopologyError);
    expect(() => node.loadTopology(join(tmp, 'nope.json'))).toThrow(/nope\.json: cannot read: ENOENT/);
    expect(() => node.loadTopology('fixtures/scenarios/03-map-dma.json')).toThrow(/is a scenario \(it has "steps"\), not a topology/);
  });

  it('the Node entry exports everything the browser entry does', () => {
    expect(Object.keys(node).sort()).toEqual(Object.keys(browser).sort());
    expect(node.loadTopology).not.toBe(browser.loadTopology);
  });

  it('the package sends Node to the Node entry and everyone else to the browser one', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, Record<string, unknown>> };
    const main = pkg.exports['.']!;
    expect(Object.keys(main)[0]).toBe('node'); // conditions match in order
    expect(main['node']).toEqual({ types: './dist/src/index.node.d.ts', default: './dist/src/index.node.js' });
    expect(main['default']).toBe('./dist/src/index.js');
  });

  it('nothing src/index.ts imports, directly or not, imports a node: module', () => {
    const seen = new Set<string>();
    const nodeImports: string[] = [];
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'/gms)) {
        const spec = m[1]!;
        if (spec.startsWith('node:') || ['fs', 'path', 'os', 'child_process', 'url'].includes(spec)) nodeImports.push(`${file}: ${spec}`);
        else if (spec.startsWith('.') && !spec.endsWith('.json')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      }
      for (const m of text.matchAll(/import\(\s*'([^']+)'\s*\)/g)) if (m[1]!.startsWith('node:')) nodeImports.push(`${file}: dynamic ${m[1]}`);
    };
    visit(resolve('src/index.ts'));
    expect(seen.size).toBeGreaterThan(50);
    expect(nodeImports).toEqual([]);
  });
});

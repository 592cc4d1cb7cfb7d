/**
 * The folder tree is the layer order (docs/conventions.md): imports only go down, and the
 * kernel programs the Machine it is given but builds no hardware (issue 11).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { relativeImports } from './module-graph.js';
import { parse, ROOT } from './source-files.js';

/** Lower rank = lower layer; a file may import its own folder or a lower rank. */
const RANK: Readonly<Record<string, number>> = {
  base: 0, uapi: 0, hardware: 1, kernel: 2, process: 3, host: 4, scenarios: 5, tools: 6, testing: 6,
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/**
 * Layer folders of the relative imports of `file`: type-only ones, side-effect imports,
 * re-exports, dynamic `import()` and `import('…')` types included (module-graph.ts).
 */
function importedLayers(file: string, sf: ts.SourceFile = parse(resolve(file))): string[] {
  const out: string[] = [];
  for (const abs of relativeImports(resolve(file), sf, true)) {
    const target = relative(ROOT, abs).split(/[\\/]/);
    if (target[0] === 'src' && target.length > 2) out.push(target[1]!);
  }
  return out;
}

describe('layers', () => {
  it('every import under src/ goes to its own layer or a lower one', () => {
    const upward: string[] = [];
    for (const file of sources('src')) {
      const layer = file.split(/[\\/]/)[1]!;
      const own = RANK[layer];
      if (own === undefined) continue; // src/index.ts, the public root
      for (const to of importedLayers(file)) {
        const r = RANK[to];
        if (r === undefined || to === layer) continue;
        if (r > own || (r === own && own !== RANK['tools'])) upward.push(`${file} -> ${to}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('the kernel constructs no hardware: the Machine builds it, the kernel is handed it', () => {
    const hardware = /\bnew\s+(Machine|Iommu|Fabric|PhysMem|InterruptController|Clock|Trace|Rng|\w+Model)\s*\(|\bcreateDeviceModel\s*\(/;
    const offenders = sources('src/kernel').filter((f) => hardware.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('the import reader sees side-effect, dynamic, re-export and type-position imports (the check can fail)', () => {
    const text = [
      "import '../host/a.js';",
      "export * from '../tools/b.js';",
      "export async function f() { return import('../scenarios/c.js'); }",
      "let t: import('../process/d.js').D;",
      "import type { E } from '../testing/e.js';",
    ].join('\n');
    const sf = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, true);
    expect(importedLayers('src/kernel/x.ts', sf).sort()).toEqual(['host', 'process', 'scenarios', 'testing', 'tools']);
  });
});

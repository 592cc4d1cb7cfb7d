/**
 * The folder tree is the layer order (docs/conventions.md): imports only go down, and the
 * kernel programs the Machine it is given but builds no hardware (issue 11).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

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

/** Layer folders of the relative imports (type-only ones included) of `file`. */
function importedLayers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+'(\.[^']+)'/gms)) {
    const target = normalize(join(dirname(file), m[1]!)).split(/[\\/]/);
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

});

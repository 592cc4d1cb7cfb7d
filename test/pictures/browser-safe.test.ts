import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    // src/host/exec (vfio-sim exec's server: sockets, child processes, /proc) is, like the CLI, never bundled
    if (e.isDirectory()) return p === 'src/tools/cli' || p === 'src/host/exec' ? [] : sources(p);
    // *.node.ts: the package's Node-only entry (src/index.node.ts, its "node" export condition) and what only it imports
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.node.ts') ? [p] : [];
  });
}

describe('the simulator runs in a browser', () => {
  it('nothing under src/ except src/tools/cli and src/host/exec imports a node: module (the playground bundles the rest)', () => {
    const offenders = sources('src').filter((f) => /from\s+['"]node:|import\(\s*['"]node:|require\(/.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });
});

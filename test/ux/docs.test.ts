/**
 * Issue 15 item 8: the docs say what the package does: edu's register table matches the
 * model's constants, the README example runs on Node 20 as plain JavaScript, and
 * docs/scenarios.md imports the runner from where the package exports it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EDU } from '../../src/hardware/devices/edu.js';
import * as pkg from '../../src/index.js';

describe('issue 15 item 8: docs', () => {
  it('docs/devices/edu.md lists every edu register at the model offset, and the identification value', () => {
    const md = readFileSync('docs/devices/edu.md', 'utf8');
    const rows = [...md.matchAll(/^\| `0x([0-9a-f]+)` \| (RO|RW|WO) \|/gm)].map((m) => Number.parseInt(m[1]!, 16));
    const regs = [EDU.ID, EDU.LIVENESS, EDU.FACTORIAL, EDU.STATUS, EDU.IRQ_STATUS, EDU.IRQ_RAISE, EDU.IRQ_ACK, EDU.DMA_SRC, EDU.DMA_DST, EDU.DMA_CNT, EDU.DMA_CMD];
    expect(rows).toEqual(regs);
    expect(md).toContain(`\`0x${EDU.IDENT.toString(16).padStart(8, '0')}\``);
    expect(md).toContain(`\`0x${EDU.DMA_START.toString(16)}\``);
  });

  it('the README example is plain JavaScript (node --check as .mjs passes on this Node)', () => {
    const readme = readFileSync('README.md', 'utf8');
    const code = /## A first example\s+```ts\n([\s\S]*?)```/.exec(readme)![1]!;
    const dir = mkdtempSync(join(tmpdir(), 'vfio-sim-readme-'));
    writeFileSync(join(dir, 'example.mjs'), code);
    execFileSync(process.execPath, ['--check', join(dir, 'example.mjs')]);
    expect(readme).toMatch(/node example\.mjs/);
  });

  it('docs/scenarios.md imports the runner from the package, which exports it', () => {
    const md = readFileSync('docs/scenarios.md', 'utf8');
    expect(md).not.toMatch(/runner is not part of the published package/);
    expect(md).toMatch(/import \{ scenario \} from 'vfio-sim'/);
    for (const name of ['runScenario', 'ScenarioRun', 'parseScenario', 'validateScenario'] as const) expect(typeof pkg.scenario[name], name).toBe('function');
  });
});

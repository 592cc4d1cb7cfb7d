/**
 * The code pane's examples run in Node exactly as the page runs them (imports rewritten,
 * TypeScript erased, `topology` and a console handed in), so a change of the API that
 * breaks an example fails npm test, not a student in the browser.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as vfioSim from '../../src/index.js';
import { defaultTopologyJson } from '../../src/hardware/default-machine.js';
import { rewriteImports } from '../../playground/lib/user-code.js';
import { stripTypes } from '../../playground/strip-types.js';

const dir = new URL('../../playground/examples/', import.meta.url);
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...a: string[]) => (...args: unknown[]) => Promise<void>;

async function runExample(file: string): Promise<{ logs: string[]; error: unknown }> {
  const src = readFileSync(new URL(file, dir), 'utf8');
  const js = file.endsWith('.ts') ? (await stripTypes(src)).js : src;
  const api: Record<string, unknown> = { ...vfioSim, ...vfioSim.devices };
  const importer = (_mod: string, names: string[]) => {
    for (const n of names) if (!(n in api)) throw new Error(`no export ${n}`);
    return api;
  };
  const logs: string[] = [];
  const log = (...a: unknown[]) => logs.push(a.map(String).join(' '));
  try {
    await new AsyncFunction('__import', 'topology', 'console', rewriteImports(js))(importer, defaultTopologyJson, { log, warn: log, error: log, info: log });
    return { logs, error: undefined };
  } catch (error) {
    return { logs, error };
  }
}

describe('code pane examples', () => {
  it('are the lessons: vfio.rst (type1), iommufd cdev, edu DMA, the README in TypeScript', () => {
    expect(readdirSync(dir).sort()).toEqual(['1-vfio-rst.js', '2-iommufd-edu.js', '3-edu-dma.js', '4-readme.ts']);
  });

  it('vfio.rst runs to its end', async () => {
    const r = await runExample('1-vfio-rst.js');
    expect(r.error).toBeUndefined();
    expect(r.logs).toContain('9 regions, 5 irqs');
  });

  it('the iommufd flow copies by DMA and faults after the unmap', async () => {
    const r = await runExample('2-iommufd-edu.js');
    expect(r.error).toBeUndefined();
    expect(r.logs.find((l) => l.startsWith('faults:'))).toMatch(/^faults: read 0x[0-9a-f]+$/);
  });

  it('the edu DMA example gets its data back, then its planted mistake fails EEXIST', async () => {
    const r = await runExample('3-edu-dma.js');
    expect(r.logs).toContain('hello, device');
    expect(r.error).toBeInstanceOf(vfioSim.SystemError);
    expect((r.error as vfioSim.SystemError).code).toBe('EEXIST');
  });

  it('the TypeScript README example runs with its types erased', async () => {
    const r = await runExample('4-readme.ts');
    expect(r.error).toBeUndefined();
    expect(r.logs).toContain('EINVAL -22 vfio_ioctl_set_iommu: no group, or an IOMMU is already set');
  });
});

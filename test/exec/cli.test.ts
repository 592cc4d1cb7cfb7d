/** The `exec` and `shim` commands' own behaviour: help, usage errors, the library's path. */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { runCliAsync } from '../../src/tools/cli/cli.js';
import type { CliIo } from '../../src/tools/cli/io.js';
import { cannotRunC } from './support/c-programs.js';

function io(): CliIo & { outText: string; errText: string } {
  const o = { outText: '', errText: '' };
  return Object.assign(o, {
    out: (t: string) => void (o.outText += `${t}\n`),
    err: (t: string) => void (o.errText += `${t}\n`),
    readFile: () => '',
    writeFile: () => {},
  });
}

describe('vfio-sim exec / shim (command line)', () => {
  it('exec --help documents every option; a --help after -- belongs to the program', async () => {
    const a = io();
    expect(await runCliAsync(['exec', '--help'], a)).toBe(0);
    for (const opt of ['--machine', '--vfio', '--uid', '--trace', '--mmio-ns']) expect(a.outText).toContain(opt);
    const b = io();
    expect(await runCliAsync(['exec', '--', '/nonexistent/prog', '--help'], b)).toBe(2);
    expect(b.errText).toContain('/nonexistent/prog: no such program');
  });

  it('exec without a program, or with a bad option value, is a usage error (exit 2)', async () => {
    const a = io();
    expect(await runCliAsync(['exec'], a)).toBe(2);
    expect(a.errText).toContain('exec needs a PROGRAM');
    const b = io();
    expect(await runCliAsync(['exec', '--mmio-ns', 'fast', '--', '/bin/true'], b)).toBe(2);
    expect(b.errText).toContain('--mmio-ns must be a non-negative integer');
    const c = io();
    expect(await runCliAsync(['exec', '--vfio', '0000:99:00.0', '--', '/bin/true'], c)).toBe(2);
    expect(c.errText).toContain('--vfio 0000:99:00.0');
  });

  it.skipIf(cannotRunC() !== null)('shim --path prints the compiled library', async () => {
    const a = io();
    expect(await runCliAsync(['shim', '--path'], a)).toBe(0);
    const path = a.outText.trim();
    expect(path).toMatch(/vfio-sim-shim\.so$/);
    expect(existsSync(path)).toBe(true);
  });

  it.skipIf(cannotRunC() !== null)('exec exits with the program status', async () => {
    expect(await runCliAsync(['exec', '--', '/bin/false'], io())).toBe(1);
    expect(await runCliAsync(['exec', '--', '/bin/sh', '-c', 'exit 7'], io())).toBe(7);
  });
});

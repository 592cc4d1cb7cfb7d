/**
 * Building and running the C test programs of test/exec/c under `vfio-sim exec`, in-process:
 * each program is compiled once with the system's cc into a temporary directory (with the
 * iommufd header generated from the uapi tables), then run against a fresh default Host with
 * the edu bound to vfio-pci. Without cc the tests skip and say why.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Host } from '../../../src/host/host.js';
import { runProgram, type RunResult } from '../../../src/host/exec/run.js';
import { IOMMUFD_HEADER } from './uapi-header.js';

const SRC = fileURLToPath(new URL('../c/', import.meta.url));
export const EDU_BDF = '0000:06:00.0';

/** Why C programs cannot run here, or null when they can. */
export function cannotRunC(): string | null {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `not x86-64 Linux (${process.platform}/${process.arch})`;
  const r = spawnSync(process.env['CC'] ?? 'cc', ['--version']);
  return r.error !== undefined || r.status !== 0 ? 'no C compiler (cc) on this machine' : null;
}

export class CPrograms {
  readonly dir = mkdtempSync(join(tmpdir(), 'vfio-sim-c-'));

  constructor() {
    writeFileSync(join(this.dir, 'iommufd-gen.h'), IOMMUFD_HEADER());
  }

  build(name: string): string {
    const out = join(this.dir, name);
    const r = spawnSync(process.env['CC'] ?? 'cc', ['-O2', '-Wall', '-I', this.dir, '-o', out, join(SRC, `${name}.c`), '-lpthread'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cc ${name}.c failed:\n${r.stderr}`);
    return out;
  }
}

export interface ExecRun extends RunResult {
  readonly host: Host;
}

export async function runC(programs: CPrograms, name: string, opts: { args?: string[]; host?: Host; uid?: number } = {}): Promise<ExecRun> {
  const host = opts.host ?? new Host();
  if (opts.host === undefined) host.bind(EDU_BDF, 'vfio-pci');
  const r = await runProgram(host, { program: programs.build(name), args: opts.args ?? [], capture: true, ...(opts.uid !== undefined ? { uid: opts.uid } : {}) });
  return { ...r, host };
}

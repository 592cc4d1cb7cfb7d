/**
 * Running one real program against a Host: the exec server listens on a private unix socket,
 * the program starts with the preload library (LD_PRELOAD) and the socket's path in its
 * environment, with stdio passed through; the result is the program's exit status (128 +
 * signal number when a signal killed it).
 */
import { spawn, type StdioOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Host } from '../host.js';
import { ExecServer } from './server.js';
import { ensureShim } from './shim-build.js';

export interface RunOptions {
  readonly program: string;
  readonly args?: readonly string[];
  /** uid of the program's simulated process (default 0). */
  readonly uid?: number;
  /** Virtual ns per MMIO access (default 100). */
  readonly mmioNs?: bigint;
  readonly stdio?: StdioOptions;
  /** Collect stdout and stderr instead of passing them through (tests). */
  readonly capture?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

export interface RunResult {
  readonly status: number;
  readonly signal: NodeJS.Signals | null;
  /** With `capture`: what the program wrote. */
  readonly stdout: string;
  readonly stderr: string;
}

export const DEFAULT_MMIO_NS = 100n;

export async function runProgram(host: Host, o: RunOptions): Promise<RunResult> {
  const shim = ensureShim();
  const dir = mkdtempSync(join(tmpdir(), 'vfio-sim-'));
  const sockPath = join(dir, 'sock');
  const server = new ExecServer(host, { uid: o.uid ?? 0, mmioNs: o.mmioNs ?? DEFAULT_MMIO_NS });
  await server.listen(sockPath);
  try {
    const env = { ...(o.env ?? process.env), LD_PRELOAD: shim, VFIO_SIM_SOCK: sockPath, VFIO_SIM_SERVER_PID: String(process.pid) };
    const stdio: StdioOptions = o.capture ? ['ignore', 'pipe', 'pipe'] : (o.stdio ?? 'inherit');
    const child = spawn(o.program, [...(o.args ?? [])], { stdio, env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    return await new Promise<RunResult>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => {
        const num = signal !== null ? (constants.signals[signal] ?? 0) : 0;
        resolve({ status: code ?? 128 + num, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
      });
    });
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

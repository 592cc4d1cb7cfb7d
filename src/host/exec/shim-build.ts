/**
 * The preload library, built from its one C source (native/vfio-sim-shim.c) with the
 * system's `cc` on first use and cached by the hash of the source and the compiler's
 * version under $XDG_CACHE_HOME/vfio-sim (default ~/.cache/vfio-sim). Nothing is
 * prebuilt or downloaded. Only x86-64 Linux is supported: the MMIO trap decodes x86-64
 * instructions and reads Linux's /proc.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export class ShimError extends Error {
  override readonly name = 'ShimError';
}

/** The C source: native/ at the package root, from src/host/exec or dist/src/host/exec. */
export function shimSource(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of ['../../..', '../../../..']) {
    const p = join(here, up, 'native', 'vfio-sim-shim.c');
    if (existsSync(p)) return p;
  }
  throw new ShimError('vfio-sim: native/vfio-sim-shim.c is missing from the installation');
}

export function checkPlatform(): void {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new ShimError(`vfio-sim exec runs programs on x86-64 Linux only (this is ${process.platform}/${process.arch})`);
  }
}

function compilerVersion(cc: string): string {
  const r = spawnSync(cc, ['--version'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) {
    throw new ShimError(`vfio-sim exec needs a C compiler to build its preload library: '${cc}' was not found (install gcc or clang, or set CC)`);
  }
  return r.stdout;
}

/** Path of the compiled library, building it when the cache lacks it. */
export function ensureShim(): string {
  checkPlatform();
  const src = shimSource();
  const cc = process.env['CC'] ?? 'cc';
  const text = readFileSync(src);
  const hash = createHash('sha256').update(text).update(compilerVersion(cc)).digest('hex').slice(0, 16);
  const base = process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache');
  const dir = join(base, 'vfio-sim', hash);
  const lib = join(dir, 'vfio-sim-shim.so');
  if (existsSync(lib)) return lib;
  mkdirSync(dir, { recursive: true });
  const tmp = `${lib}.${process.pid}.tmp`;
  const r = spawnSync(cc, ['-shared', '-fPIC', '-O2', '-Wall', '-o', tmp, src, '-ldl', '-lpthread'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) throw new ShimError(`vfio-sim: building the preload library failed:\n${r.stderr ?? String(r.error)}`);
  renameSync(tmp, lib);
  return lib;
}

/**
 * `vfio-sim exec` against its floor. A C program (bench/exec/exec-bench.c) times, inside
 * itself, a round trip over the shim's transport that does nothing (the floor), an ioctl
 * (VFIO_DEVICE_GET_INFO) and an MMIO load (SIGSEGV trap + decode + round trip). It runs
 * under the built CLI in a child process (dist-bench/src/tools/cli/main.js), so the server is
 * not this process. DMA into a program's memory (bench/exec/dma-probe.ts, a Node process of its
 * own running an exec server): the program maps 1 MiB and hands it to VFIO_IOMMU_MAP_DMA under
 * the preload library, which makes it shared memory; 1 MiB physical writes into its pinned
 * pages against a 1 MiB Buffer copy (memcpy) in the same process, interleaved. For reference,
 * the same write into a program not under exec, through /proc/<pid>/mem (no target).
 * Targets (issue 12): ioctl <= 1.5x the floor, MMIO <= 2x the floor, DMA >= 25 % of memcpy.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Host } from '../../src/host/host.js';
import { ClientMemory } from '../../src/host/exec/client-memory.js';
import { Mirror } from '../../src/host/exec/mirror.js';
import { figure, pending, timeInterleaved, type BenchCase, type BenchContext, type Figure } from '../harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REPO = existsSync(join(ROOT, 'native')) ? ROOT : join(ROOT, '..');
const CLI = join(ROOT, 'src/tools/cli/main.js');
const PROBE = join(ROOT, 'bench/exec/dma-probe.js');
const MiB = 1 << 20;

function build(dir: string): string | null {
  const out = join(dir, 'exec-bench');
  const r = spawnSync(process.env['CC'] ?? 'cc', ['-O2', '-o', out, join(REPO, 'bench/exec/exec-bench.c'), '-ldl']);
  return r.status === 0 ? out : null;
}

function callFigures(ctx: BenchContext, bin: string): Figure[] {
  const ids = ['exec.ioctl', 'exec.mmio'];
  if (!existsSync(CLI)) return ids.map((id) => pending(id, id, 'us', 'needs the compiled CLI (npm run bench builds it)'));
  const n = ctx.profile === 'quick' ? 200 : 20000;
  const r = spawnSync(process.execPath, [CLI, 'exec', '--vfio', '0000:06:00.0', '--', bin, String(n)], { encoding: 'utf8' });
  const v = Object.fromEntries([...r.stdout.matchAll(/^(\w+) (\d+)$/gm)].map((m) => [m[1]!, Number(m[2]) / 1000]));
  if (r.status !== 0 || v['echo'] === undefined) return ids.map((id) => pending(id, id, 'us', `exec-bench failed: ${r.stderr.slice(0, 200)}`));
  const floor = { label: 'echo round trip', value: v['echo']!, unit: 'us' };
  return [
    figure({ id: 'exec.ioctl', label: 'exec: ioctl round trip (GET_INFO)', value: v['ioctl']!, unit: 'us', baseline: floor, ratio: v['ioctl']! / floor.value, ratioUnit: 'x floor', target: { on: 'ratio', op: '<=', limit: 1.5 } }),
    figure({ id: 'exec.mmio', label: 'exec: MMIO load through the trap', value: v['mmio']!, unit: 'us', baseline: floor, ratio: v['mmio']! / floor.value, ratioUnit: 'x floor', target: { on: 'ratio', op: '<=', limit: 2 } }),
  ];
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function dmaFigure(ctx: BenchContext, bin: string): Figure {
  const id = 'exec.dma.1MiB';
  const label = 'exec: DMA 1 MiB into program memory';
  const r = spawnSync(process.execPath, [PROBE, bin, ctx.profile], { encoding: 'utf8' });
  const m = /^(\{.*\})$/m.exec(r.stdout);
  if (r.status !== 0 || m === null) return pending(id, label, 'GB/s', `dma-probe failed: ${r.stderr.slice(0, 200)}`);
  const v = JSON.parse(m[1]!) as { dma: number; copy: number; ok: boolean };
  return figure({
    id,
    label,
    value: MiB / v.dma,
    unit: 'GB/s',
    baseline: { label: 'memcpy 1 MiB', value: MiB / v.copy, unit: 'GB/s' },
    ratio: (100 * v.copy) / v.dma,
    ratioUnit: '% of memcpy',
    target: { on: 'ratio', op: '>=', limit: 25 },
    ...(v.ok ? {} : { note: 'the bytes did not arrive' }),
  });
}

/** The same write through /proc/<pid>/mem into a program that is not under exec: what the shared buffers avoid. */
function procMemFigure(ctx: BenchContext, bin: string, dir: string): Figure {
  const file = join(dir, 'addr');
  const child = spawn(bin, ['hold', file], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 400 && !(existsSync(file) && readFileSync(file, 'utf8').endsWith('\n')); i++) sleepMs(5);
    const addr = BigInt(readFileSync(file, 'utf8').trim());
    const host = new Host();
    const p = host.spawn();
    const mem = new ClientMemory(child.pid!);
    new Mirror(p, host.phys, mem, false).ensure(addr, BigInt(MiB));
    const pinned = p.task.mm.pin(addr, BigInt(MiB), true);
    if (!pinned.ok) return pending('exec.dma.1MiB.procmem', 'exec: DMA 1 MiB through /proc/<pid>/mem', 'GB/s', `pin failed: ${pinned.code}`);
    const src = Buffer.alloc(MiB, 0xa5);
    const dst = Buffer.alloc(MiB);
    const [dma, copy] = timeInterleaved(ctx, [
      (n) => {
        for (let i = 0; i < n; i++) for (const r of pinned.value) host.phys.writeAt(Number(r.pa), src, Number(r.vaddr - addr), Number(r.bytes));
      },
      (n) => {
        for (let i = 0; i < n; i++) src.copy(dst);
      },
    ]);
    const ok = mem.read(addr + BigInt(MiB - 1), 1)?.[0] === 0xa5;
    mem.close();
    return figure({
      id: 'exec.dma.1MiB.procmem',
      label: 'exec: DMA 1 MiB through /proc/<pid>/mem (reference)',
      value: MiB / dma!.nsPerOp,
      unit: 'GB/s',
      baseline: { label: 'memcpy 1 MiB', value: MiB / copy!.nsPerOp, unit: 'GB/s' },
      ratio: (100 * copy!.nsPerOp) / dma!.nsPerOp,
      ratioUnit: '% of memcpy',
      ...(ok ? {} : { note: 'the bytes did not arrive' }),
    });
  } finally {
    child.kill('SIGKILL');
  }
}

export const execCase: BenchCase = {
  name: 'exec',
  about: 'vfio-sim exec: ioctl and MMIO round trips of a real C program against the bare transport, and DMA into its memory against memcpy',
  run(ctx) {
    if (process.platform !== 'linux' || process.arch !== 'x64') return [pending('exec.ioctl', 'exec', 'us', 'x86-64 Linux only')];
    const dir = mkdtempSync(join(tmpdir(), 'vfio-sim-bench-'));
    try {
      const bin = build(dir);
      if (bin === null) return [pending('exec.ioctl', 'exec', 'us', 'no C compiler')];
      return [...callFigures(ctx, bin), dmaFigure(ctx, bin), procMemFigure(ctx, bin, dir)];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

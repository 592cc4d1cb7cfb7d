/**
 * The DMA figure of the `exec` case, measured in a process of its own because the program's
 * calls need this process's event loop: an exec server on a Host, the bench program run under
 * the preload library in "dma" mode (it maps 1 MiB, hands it to VFIO_IOMMU_MAP_DMA and waits),
 * then 1 MiB physical writes into the pinned pages — the program's own memory, as the shim and
 * server make it — interleaved with 1 MiB memcpys in this process. Prints one JSON line:
 * { dma, copy, ok } (ns per 1 MiB; ok: the bytes reached the program).
 * Usage: node dma-probe.js BENCH_BINARY quick|full
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Host } from '../../src/host/host.js';
import { ExecServer } from '../../src/host/exec/server.js';
import { ensureShim } from '../../src/host/exec/shim-build.js';
import { timeInterleaved, type Profile } from '../harness.js';

const MiB = 1 << 20;
const [bin, profile] = process.argv.slice(2) as [string, Profile];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vfio-sim-dma-'));
  const host = new Host();
  host.bind('0000:06:00.0', 'vfio-pci');
  const server = new ExecServer(host, { uid: 0, mmioNs: 100n });
  await server.listen(join(dir, 'sock'));
  const file = join(dir, 'addr');
  const env = { ...process.env, LD_PRELOAD: ensureShim(), VFIO_SIM_SOCK: join(dir, 'sock'), VFIO_SIM_SERVER_PID: String(process.pid) };
  const child = spawn(bin, ['dma', file], { stdio: 'ignore', env });
  try {
    for (let i = 0; i < 1000 && !(existsSync(file) && readFileSync(file, 'utf8').endsWith('\n')); i++) await new Promise((r) => setTimeout(r, 10));
    const addr = BigInt(readFileSync(file, 'utf8').trim());
    const s = server.session(child.pid!);
    const pinned = s?.p.task.mm.pin(addr, BigInt(MiB), true);
    if (s === undefined || pinned === undefined || !pinned.ok) throw new Error('the program did not map its buffer');
    const src = Buffer.alloc(MiB, 0xa5);
    const dst = Buffer.alloc(MiB);
    const [dma, copy] = timeInterleaved({ profile, log: () => {} }, [
      (n) => {
        for (let i = 0; i < n; i++) for (const r of pinned.value) host.phys.writeAt(Number(r.pa), src, Number(r.vaddr - addr), Number(r.bytes));
      },
      (n) => {
        for (let i = 0; i < n; i++) src.copy(dst);
      },
    ]);
    const ok = s.mem.read(addr + BigInt(MiB - 1), 1)?.[0] === 0xa5;
    s.p.task.mm.unpin(pinned.value);
    process.stdout.write(`${JSON.stringify({ dma: dma!.nsPerOp, copy: copy!.nsPerOp, ok })}\n`);
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});

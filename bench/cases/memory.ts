/**
 * Memory: JS heap + ArrayBuffer growth (after a full GC, with --expose-gc) for
 *  - a 1 TiB anonymous mmap touched at one page (Process.mmap + writeMem): only the page
 *    written may cost anything, so the growth must stay under 1 MiB;
 *  - 65,535 MAP_DMA of 4 KiB each through a type1 container (distinct buffer pages), and,
 *    for comparison, 65,535 4 KiB leaves in a bare IO page table (Iommu.map).
 * Without --expose-gc (e.g. under vitest) the numbers are only indicative and say so.
 */
import { Host } from '../../src/index.js';
import * as uapi from '../../src/uapi/index.js';
import { figure, heapBytes, pending, type BenchCase, type BenchContext, type Figure } from '../harness.js';
import { mustMap, unit } from './fixture.js';
import { mapArg, openType1 } from './type1.js';

const TiB = 1n << 40n;
const MiB = 1 << 20;

function gcNote(gc: boolean): string {
  return gc ? 'after full GC' : 'no --expose-gc: indicative only';
}

function oneTiB(): Figure {
  const host = new Host();
  const p = host.spawn();
  const before = heapBytes();
  const addr = p.mmap(0n, TiB, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS, -1, 0n);
  p.writeMem(addr + TiB / 2n, new Uint8Array(4096).fill(0x5a));
  const after = heapBytes();
  if (p.read32(addr + TiB / 2n) !== 0x5a5a5a5a) throw new Error('bench: 1 TiB mapping lost its write');
  return figure({
    id: 'mem.mmap.1TiB',
    label: 'heap growth: 1 TiB anon mmap, one page written',
    value: after.bytes - before.bytes,
    unit: 'bytes',
    target: { on: 'value', op: '<', limit: MiB },
    note: `${gcNote(before.gc)}; includes the 64 KiB PhysMem chunk the page lands in`,
  });
}

function type1Mappings(n: number): Figure {
  const id = `mem.type1.${n}x4KiB`;
  const label = `heap growth: ${n} MAP_DMA of 4 KiB`;
  const t = openType1(n + 1, n + 1);
  if (typeof t === 'string') return pending(id, label, 'bytes/mapping', t);
  const before = heapBytes();
  for (let i = 0; i < n; i++) t.p.ioctl(t.container, uapi.VFIO_IOMMU_MAP_DMA, mapArg(t, 0x1_0000_0000n + BigInt(i) * 0x2000n, i));
  const after = heapBytes();
  // use the container after measuring, so the collector cannot free it before `after`
  t.p.ioctl(t.container, uapi.VFIO_IOMMU_UNMAP_DMA, { argsz: 24, flags: 0, iova: 0x1_0000_0000n, size: 0x1000n });
  return figure({
    id,
    label,
    value: (after.bytes - before.bytes) / n,
    unit: 'bytes/mapping',
    note: `${((after.bytes - before.bytes) / MiB).toFixed(1)} MiB in all; ${gcNote(before.gc)}; distinct pinned pages`,
  });
}

function pageTableMappings(n: number): Figure {
  const u = unit();
  const before = heapBytes();
  for (let i = 0; i < n; i++) mustMap(u, 0x1_0000_0000n + BigInt(i) * 0x2000n, 0x4000_0000n + BigInt(i) * 0x1000n, 0x1000n);
  const after = heapBytes();
  if (u.domain.pageTable.stats().leaves !== n) throw new Error('bench: page table lost leaves');
  return figure({
    id: `mem.iopgtable.${n}x4KiB`,
    label: `heap growth: ${n} 4 KiB leaves in an IO page table`,
    value: (after.bytes - before.bytes) / n,
    unit: 'bytes/mapping',
    note: `${((after.bytes - before.bytes) / MiB).toFixed(1)} MiB in all; ${gcNote(before.gc)}`,
  });
}

export const memoryCase: BenchCase = {
  name: 'memory',
  about: 'heap growth of a sparse 1 TiB mapping and of 65,535 DMA mappings',
  run(ctx: BenchContext): Figure[] {
    const n = ctx.profile === 'quick' ? 64 : 65_535;
    return [oneTiB(), type1Mappings(n), pageTableMappings(n)];
  },
};

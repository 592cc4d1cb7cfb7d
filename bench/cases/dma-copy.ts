/**
 * DMA copy bandwidth through the IOMMU (Iommu.dmaWrite / dmaReadInto) for contiguous
 * transfers of 4 KiB, 1 MiB and 64 MiB, and for 1 MiB scattered over 4 KiB pages, each
 * against a raw Uint8Array.prototype.set of the same number of bytes between two buffers.
 *
 * The contiguous IOVA range is backed by contiguous physical memory, so the IOMMU maps it
 * with the largest leaves that fit (2 MiB) and the DMA path coalesces the whole run into
 * one PhysMem copy, which itself is one `set` per 64 KiB chunk. The scattered range maps
 * each 4 KiB page to a permuted physical page: one translation and one copy per page.
 */
import { figure, sink, timeInterleaved, type BenchCase, type BenchContext, type Figure } from '../harness.js';
import { mustMap, permutation, RID, unit, type Unit } from './fixture.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const IOVA = 0x4000_0000n;
const PA = 0x1_0000_0000n;
const SCATTER_IOVA = 0x8000_0000n;
const SCATTER_PA = 0x2_0000_0000n;

function sizeName(n: number): string {
  return n >= MiB ? `${n / MiB}MiB` : `${n / KiB}KiB`;
}

function pattern(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 4096) b[i] = (i >> 12) & 0xff;
  return b;
}

function check(r: { ok: boolean }, what: string): void {
  if (!r.ok) throw new Error(`bench: ${what} faulted`);
}

function oneSize(ctx: BenchContext, u: Unit, len: number, iova: bigint, kind: string, target: boolean): Figure[] {
  const src = pattern(len);
  const dst = new Uint8Array(len);
  const io = u.iommu;
  check(io.dmaWrite(RID, iova, src), 'warm-up write');
  const base = pattern(len);
  const copy = new Uint8Array(len);
  // the DMA bodies and the raw-set baseline alternate batch by batch (timeInterleaved)
  const [w, r, b] = timeInterleaved(ctx, [
    (n) => {
      for (let i = 0; i < n; i++) io.dmaWrite(RID, iova, src);
    },
    (n) => {
      for (let i = 0; i < n; i++) io.dmaReadInto(RID, iova, dst, 0, len);
      sink(dst[0]!);
    },
    (n) => {
      for (let i = 0; i < n; i++) copy.set(base);
      sink(copy[0]!);
    },
  ]).map((s) => s.nsPerOp) as [number, number, number];
  const gbps = (ns: number): number => len / ns;
  const tgt = target ? { target: { on: 'ratio' as const, op: '>=' as const, limit: 50 } } : {};
  const mk = (dir: 'write' | 'read', ns: number): Figure =>
    figure({
      id: `dma.${kind}.${dir}.${sizeName(len)}`,
      label: `DMA ${dir} ${sizeName(len)} ${kind}`,
      value: gbps(ns),
      unit: 'GB/s',
      baseline: { label: `Uint8Array.set ${sizeName(len)}`, value: gbps(b), unit: 'GB/s' },
      ratio: (100 * b) / ns,
      ratioUnit: '% of set',
      ...tgt,
      note: `${(ns / 1000).toFixed(2)} µs vs ${(b / 1000).toFixed(2)} µs`,
    });
  return [mk('write', w), mk('read', r)];
}

export const dmaCopyCase: BenchCase = {
  name: 'dma-copy',
  about: 'DMA bandwidth through the IOMMU vs Uint8Array.prototype.set of the same bytes',
  run(ctx: BenchContext): Figure[] {
    const quick = ctx.profile === 'quick';
    const sizes = quick ? [4 * KiB, 64 * KiB, 1 * MiB] : [4 * KiB, 1 * MiB, 64 * MiB];
    const big = sizes[sizes.length - 1]!;
    const u = unit();
    mustMap(u, IOVA, PA, BigInt(big));
    const out: Figure[] = [];
    for (const len of sizes) out.push(...oneSize(ctx, u, len, IOVA, 'contiguous', len >= MiB));
    const scattered = quick ? 64 * KiB : 1 * MiB;
    const pages = scattered / 4096;
    const perm = permutation(pages * 16);
    for (let i = 0; i < pages; i++) mustMap(u, SCATTER_IOVA + BigInt(i * 4096), SCATTER_PA + BigInt(perm[i]! * 4096), 0x1000n);
    out.push(...oneSize(ctx, u, scattered, SCATTER_IOVA, 'scattered-4K', false));
    return out;
  },
};

/**
 * VFIO_IOMMU_MAP_DMA / VFIO_IOMMU_UNMAP_DMA per-op cost through Process.ioctl on a type1v2
 * container, at 16, 1,024 and 65,535 live 4 KiB mappings. One container grows through the
 * three sizes; live mappings sit on even 4 KiB slots inserted in a shuffled order, and each
 * timed batch maps K fresh odd slots (between live ones, so every insert has neighbours)
 * and then unmaps them again. Arguments are built before the clock starts, as a driver
 * would hold them. Baseline: VFIO_GET_API_VERSION on the same fd, i.e. the syscall skin.
 *
 * The figure that matters is the ratio cost(65,535)/cost(16), which must stay ≤ 2:
 * type1's vfio_dma tree and the IO page table must both be O(log n) or better.
 */
import * as uapi from '../../src/uapi/index.js';
import { figure, now, pending, sink, timeOps, type BenchCase, type BenchContext, type Figure, median } from '../harness.js';
import { permutation } from './fixture.js';
import { mapArg, openType1, unmapArg, type Type1 } from './type1.js';

const BASE = 0x1_0000_0000n;
const slotIova = (s: number): bigint => BASE + BigInt(s) * 0x1000n;
const SCALING = { on: 'ratio', op: '<=', limit: 2 } as const;

interface Cost {
  map: number;
  unmap: number;
}

/** Time `batches` rounds of K maps then K unmaps at odd slots of [0, 2*live). */
function measureAt(t: Type1, live: number, k: number, batches: number, seed: number): Cost {
  const { p, container } = t;
  const perm = permutation(live, seed);
  const maps: number[] = [];
  const unmaps: number[] = [];
  for (let b = -2; b < batches; b++) {
    const slots = Array.from({ length: k }, (_, i) => 2 * perm[((b + 2) * k + i) % live]! + 1).map(slotIova);
    const margs = slots.map((iova, i) => mapArg(t, iova, t.bufPages - 1 - i));
    const uargs = slots.map(unmapArg);
    const t0 = now();
    for (const a of margs) p.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, a);
    const t1 = now();
    for (const a of uargs) p.ioctl(container, uapi.VFIO_IOMMU_UNMAP_DMA, a);
    const t2 = now();
    if (b >= 0) {
      maps.push(Number(t1 - t0) / k);
      unmaps.push(Number(t2 - t1) / k);
    }
  }
  return { map: median(maps), unmap: median(unmaps) };
}

/** Grow the container's live set from `from` to `to` mappings on even slots, shuffled. */
function grow(t: Type1, order: readonly number[], from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const s = order[i]!;
    t.p.ioctl(t.container, uapi.VFIO_IOMMU_MAP_DMA, mapArg(t, slotIova(2 * s), s));
  }
}

export const mapUnmapCase: BenchCase = {
  name: 'map-unmap',
  about: 'type1 MAP_DMA / UNMAP_DMA per-op cost vs live mappings (must scale O(log n))',
  run(ctx: BenchContext): Figure[] {
    const quick = ctx.profile === 'quick';
    const sizes = quick ? [16, 64, 256] : [16, 1024, 65_535];
    const top = sizes[sizes.length - 1]!;
    const k = (n: number): number => Math.min(n, quick ? 8 : 256);
    const batches = quick ? 2 : 15;
    const ids = (n: number): [string, string] => [`type1.map.${n}`, `type1.unmap.${n}`];
    const t = openType1(top + k(top), top + k(top));
    if (typeof t === 'string') {
      return sizes.flatMap((n) => ids(n).map((id) => pending(id, `${id.includes('unmap') ? 'UNMAP' : 'MAP'}_DMA at ${n} live`, 'µs/op', t, n === top ? SCALING : undefined)));
    }
    const sys = timeOps(ctx, (n) => {
      for (let i = 0; i < n; i++) sink(t.p.ioctl(t.container, uapi.VFIO_GET_API_VERSION));
    }).nsPerOp;
    // live mappings must not collide with the probe slots: they occupy slots [0, top) even
    const order = permutation(top, 7);
    const costs = new Map<number, Cost>();
    let have = 0;
    for (const n of sizes) {
      // live entries are the first n of `order`, which spread over [0, 2*top); batches
      // probe odd slots within [0, 2*n) so the neighbourhood is populated
      grow(t, order, have, n);
      have = n;
      costs.set(n, measureAt(t, n, k(n), batches, n));
    }
    const c16 = costs.get(sizes[0]!)!;
    const out: Figure[] = [];
    for (const n of sizes) {
      const c = costs.get(n)!;
      for (const op of ['map', 'unmap'] as const) {
        out.push(
          figure({
            id: `type1.${op}.${n}`,
            label: `${op === 'map' ? 'MAP' : 'UNMAP'}_DMA 4 KiB at ${n} live`,
            value: c[op] / 1000,
            unit: 'µs/op',
            baseline: { label: 'ioctl VFIO_GET_API_VERSION', value: sys / 1000, unit: 'µs/op' },
            ratio: c[op] / c16[op],
            ratioUnit: `x cost at ${sizes[0]}`,
            ...(n === top ? { target: SCALING } : {}),
          }),
        );
      }
    }
    return out;
  },
};

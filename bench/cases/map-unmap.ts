/**
 * VFIO_IOMMU_MAP_DMA / VFIO_IOMMU_UNMAP_DMA per-op cost through Process.ioctl on a type1v2
 * container, at 16, 1,024 and 65,535 live 4 KiB mappings: one container (own Host) per
 * size, its live mappings on even 4 KiB slots inserted in a shuffled order. Each timed
 * batch maps K = 16 fresh odd slots (between live ones) from fresh buffer pages, then
 * unmaps them; batches of the three sizes are interleaved so that load from other
 * processes on a shared machine lands on all sizes alike. Arguments are built before the
 * clock starts, as a driver holds them. Baseline: VFIO_GET_API_VERSION, i.e. the skin.
 *
 * The figure that matters is the ratio cost(65,535)/cost(16), which must stay ≤ 2:
 * type1's vfio_dma tree, pinning and the IO page table must all be O(log n) or better.
 */
import * as uapi from '../../src/uapi/index.js';
import { figure, now, pending, sink, type BenchCase, type BenchContext, type Figure, median } from '../harness.js';
import { permutation } from './fixture.js';
import { mapArg, openType1, unmapArg, type Type1 } from './type1.js';

const BASE = 0x1_0000_0000n;
const slotIova = (s: number): bigint => BASE + BigInt(s) * 0x1000n;
const SCALING = { on: 'ratio', op: '<=', limit: 2 } as const;

interface Cost {
  map: number;
  unmap: number;
}

/** One container with `live` mappings on even slots, and the odd slots its batches probe. */
class Rig {
  readonly maps: number[] = [];
  readonly unmaps: number[] = [];
  private readonly perm: number[];
  private round = 0;

  constructor(readonly t: Type1, readonly live: number, readonly k: number) {
    // live mappings on even slots inserted in a shuffled order (a random tree shape)
    for (const s of permutation(live, live)) t.p.ioctl(t.container, uapi.VFIO_IOMMU_MAP_DMA, mapArg(t, slotIova(2 * s), s));
    this.perm = permutation(live, live + 1);
  }

  /** K maps at fresh odd slots (fresh buffer pages), then K unmaps of them; records ns/op. */
  batch(record: boolean): void {
    const { p, container } = this.t;
    const k = this.k;
    const base = this.round++ * k;
    const slots = Array.from({ length: k }, (_, i) => slotIova(2 * this.perm[(base + i) % this.live]! + 1));
    const margs = slots.map((iova, i) => mapArg(this.t, iova, this.live + i));
    const uargs = slots.map(unmapArg);
    const t0 = now();
    for (const a of margs) p.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, a);
    const t1 = now();
    for (const a of uargs) p.ioctl(container, uapi.VFIO_IOMMU_UNMAP_DMA, a);
    const t2 = now();
    if (!record) return;
    this.maps.push(Number(t1 - t0) / k);
    this.unmaps.push(Number(t2 - t1) / k);
  }

  cost(): Cost {
    return { map: median(this.maps), unmap: median(this.unmaps) };
  }
}

function figures(sizes: readonly number[], costs: readonly Cost[], sys: number): Figure[] {
  const top = sizes[sizes.length - 1]!;
  const c0 = costs[0]!;
  return sizes.flatMap((n, i) =>
    (['map', 'unmap'] as const).map((op) =>
      figure({
        id: `type1.${op}.${n}`,
        label: `${op === 'map' ? 'MAP' : 'UNMAP'}_DMA 4 KiB at ${n} live`,
        value: costs[i]![op] / 1000,
        unit: 'µs/op',
        baseline: { label: 'ioctl VFIO_GET_API_VERSION', value: sys / 1000, unit: 'µs/op' },
        ratio: costs[i]![op] / c0[op],
        ratioUnit: `x cost at ${sizes[0]}`,
        ...(n === top ? { target: SCALING } : {}),
      }),
    ),
  );
}

export const mapUnmapCase: BenchCase = {
  name: 'map-unmap',
  about: 'type1 MAP_DMA / UNMAP_DMA per-op cost vs live mappings (must scale O(log n))',
  run(ctx: BenchContext): Figure[] {
    const quick = ctx.profile === 'quick';
    const sizes = quick ? [16, 64, 256] : [16, 1024, 65_535];
    const k = quick ? 8 : 16;
    const rounds = quick ? 2 : 1000;
    const warm = quick ? 1 : 200;
    const rigs: Rig[] = [];
    for (const n of sizes) {
      const t = openType1(n + k, n + k);
      if (typeof t === 'string') {
        return sizes.flatMap((m) => (['MAP', 'UNMAP'] as const).map((op) => pending(`type1.${op.toLowerCase()}.${m}`, `${op}_DMA 4 KiB at ${m} live`, 'µs/op', t, m === sizes[sizes.length - 1] ? SCALING : undefined)));
      }
      rigs.push(new Rig(t, n, k));
    }
    // sizes (and the baseline) interleaved batch by batch, so load on a shared machine
    // hits them alike
    const t0 = rigs[0]!.t;
    const sys: number[] = [];
    for (let r = -warm; r < rounds; r++) {
      for (const g of rigs) g.batch(r >= 0);
      const s = now();
      for (let i = 0; i < k; i++) sink(t0.p.ioctl(t0.container, uapi.VFIO_GET_API_VERSION));
      if (r >= 0) sys.push(Number(now() - s) / k);
    }
    return figures(sizes, rigs.map((g) => g.cost()), median(sys));
  },
};

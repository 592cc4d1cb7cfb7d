import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Host, uapi } from '../../src/index.js';
import { setup, type1Of } from './helpers.js';
import { anonBuffer } from '../support/vfio.js';
import { lockedVm } from '../support/kernel-state.js';

/** Reference model of v2 type1 on a 64-page IOVA window (page = 4 KiB). */
interface M {
  iova: number;
  pages: number;
}

function refMap(maps: M[], iova: number, pages: number, limit: number): string | null {
  if (pages === 0) return 'EINVAL';
  if (maps.some((m) => m.iova < iova + pages && iova < m.iova + m.pages)) return 'EEXIST';
  if (maps.length >= limit) return 'ENOSPC';
  maps.push({ iova, pages });
  maps.sort((a, b) => a.iova - b.iova);
  return null;
}

function refUnmap(maps: M[], iova: number, pages: number): string | number {
  if (pages === 0) return 'EINVAL';
  const last = iova + pages - 1;
  const head = maps.find((m) => m.iova <= iova && iova < m.iova + m.pages);
  if (head && head.iova !== iova) return 'EINVAL';
  const tail = maps.find((m) => m.iova <= last && last < m.iova + m.pages);
  if (tail && tail.iova + tail.pages - 1 !== last) return 'EINVAL';
  let n = 0;
  for (let i = maps.length - 1; i >= 0; i--) {
    const m = maps[i]!;
    if (m.iova >= iova && m.iova <= last) {
      n += m.pages;
      maps.splice(i, 1);
    }
  }
  return n;
}

const op = fc.oneof(
  fc.record({ k: fc.constant('map' as const), iova: fc.integer({ min: 0, max: 63 }), pages: fc.integer({ min: 0, max: 6 }) }),
  fc.record({ k: fc.constant('unmap' as const), iova: fc.integer({ min: 0, max: 63 }), pages: fc.integer({ min: 0, max: 12 }) }),
  fc.record({ k: fc.constant('info' as const) }),
);

describe('type1 against a reference model', () => {
  it('MAP/UNMAP/GET_INFO agree on every result and errno, and the page table equals the live mappings', () => {
    const host = new Host();
    host.spawn().writeFile('/sys/module/vfio_iommu_type1/parameters/dma_entry_limit', '8');
    const base = setup({ host });
    const va = anonBuffer(base.p, 0x80000n);
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const { p, c } = base;
        p.ioctl(c, uapi.VFIO_IOMMU_UNMAP_DMA, { argsz: 24, flags: uapi.VFIO_DMA_UNMAP_FLAG_ALL, iova: 0n, size: 0n });
        const maps: M[] = [];
        const t = type1Of(p, c);
        for (const o of ops) {
          let got: string | number;
          let want: string | number | null;
          try {
            if (o.k === 'map') {
              want = refMap(maps, o.iova, o.pages, 8);
              p.ioctl(c, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32, flags: 3, vaddr: va + BigInt(o.iova) * 0x1000n, iova: BigInt(o.iova) << 12n, size: BigInt(o.pages) << 12n });
              got = 'ok';
              want ??= 'ok';
            } else if (o.k === 'unmap') {
              want = refUnmap(maps, o.iova, o.pages);
              const arg = { argsz: 24, flags: 0, iova: BigInt(o.iova) << 12n, size: BigInt(o.pages) << 12n };
              p.ioctl(c, uapi.VFIO_IOMMU_UNMAP_DMA, arg);
              got = Number(arg.size >> 12n);
            } else {
              const arg: Record<string, unknown> = { argsz: 200 };
              p.ioctl(c, uapi.VFIO_IOMMU_GET_INFO, arg);
              got = (arg['caps'] as Array<{ avail?: number }>)[1]!.avail!;
              want = 8 - maps.length;
            }
          } catch (e) {
            got = (e as { code: string }).code;
            want = want!;
          }
          expect(got).toBe(want);
          const pages = new Set<number>();
          for (const l of t.domains[0]!.hw.pageTable.leaves()) for (let i = 0n; i < l.size >> 12n; i++) pages.add(Number((l.iova >> 12n) + i));
          const live = new Set(maps.flatMap((m) => Array.from({ length: m.pages }, (_, i) => m.iova + i)));
          expect([...pages].sort((a, b) => a - b)).toEqual([...live].sort((a, b) => a - b));
          expect(t.dmas.size).toBe(maps.length);
          expect(lockedVm(p)).toBe(BigInt(live.size));
        }
      }),
      { numRuns: 150 },
    );
  });
});

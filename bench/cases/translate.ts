/**
 * IOMMU translation, a hit: an 8-byte device read through a warm IOTLB, cycling over 64
 * mapped 4 KiB pages, against a bare Map<number> lookup over as many entries as the domain
 * has leaves. The DMA call is the smallest public way to make the unit translate; it
 * includes the context lookup, the IOTLB probe and the 8-byte copy out of PhysMem.
 */
import { figure, sink, timeInterleaved, type BenchCase, type Stats, type BenchContext, type Figure } from '../harness.js';
import { mustMap, permutation, RID, unit } from './fixture.js';

const HOT = 64;

export const translateCase: BenchCase = {
  name: 'translate',
  about: 'IOMMU translation hits per second (8-byte DMA read, warm IOTLB) vs a bare Map.get',
  run(ctx: BenchContext): Figure[] {
    const pages = ctx.profile === 'quick' ? 256 : 4096;
    const u = unit();
    const perm = permutation(pages);
    const base = 0x1000_0000n;
    for (let i = 0; i < pages; i++) mustMap(u, base + BigInt(i) * 0x1000n, 0x4000_0000n + BigInt(perm[i]!) * 0x1000n, 0x1000n);
    const iovas = Array.from({ length: HOT }, (_, i) => base + BigInt(perm[i]! % pages) * 0x1000n + 0x10n);
    const buf = new Uint8Array(8);
    // touch once so the hot pages are materialised and cached
    for (const iova of iovas) if (!u.iommu.dmaReadInto(RID, iova, buf, 0, 8).ok) throw new Error('bench set-up: translate fault');

    const map = new Map<number, { pfn: number }>();
    for (let i = 0; i < pages; i++) map.set(0x10000 + i, { pfn: perm[i]! });
    const keys = Array.from({ length: HOT }, (_, i) => 0x10000 + (perm[i]! % pages));

    const tlb = u.iommu.iotlb;
    const pfns = iovas.map((v) => Number(v >> 12n));
    const [hit, bare, probe] = timeInterleaved(ctx, [
      (n) => {
        const io = u.iommu;
        for (let i = 0; i < n; i++) io.dmaReadInto(RID, iovas[i & (HOT - 1)]!, buf, 0, 8);
        sink(buf[0]!);
      },
      (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += map.get(keys[i & (HOT - 1)]!)!.pfn;
        sink(s);
      },
      (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += tlb.lookup(u.domain.id, pfns[i & (HOT - 1)]!)!.pfn;
        sink(s);
      },
    ]) as [Stats, Stats, Stats];

    return [
      figure({
        id: 'iommu.translate.hit',
        label: 'IOMMU translation hit (8 B DMA read)',
        value: 1e9 / hit.nsPerOp,
        unit: 'ops/s',
        baseline: { label: 'Map<number>.get', value: 1e9 / bare.nsPerOp, unit: 'ops/s' },
        ratio: hit.nsPerOp / bare.nsPerOp,
        ratioUnit: 'x Map.get cost',
        note: `${hit.nsPerOp.toFixed(1)} ns/hit vs ${bare.nsPerOp.toFixed(1)} ns/get; ${pages} leaves mapped`,
      }),
      figure({
        id: 'iommu.iotlb.lookup',
        label: 'IOTLB probe alone (Iotlb.lookup)',
        value: 1e9 / probe.nsPerOp,
        unit: 'ops/s',
        baseline: { label: 'Map<number>.get', value: 1e9 / bare.nsPerOp, unit: 'ops/s' },
        ratio: probe.nsPerOp / bare.nsPerOp,
        ratioUnit: 'x Map.get cost',
        note: `${probe.nsPerOp.toFixed(1)} ns/probe`,
      }),
    ];
  },
};

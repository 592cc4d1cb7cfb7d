// node --expose-gc map-unmap-ab.mjs <treeA> <treeB> [live]: the bench map-unmap rig (K = 16 fresh MAP_DMA arguments,
// then their UNMAP_DMAs, at `live` live mappings) for both trees in ONE process, batches alternated
// A/B, B/A, so a change in the machine speed lands on both; prints median wall ns per MAP and per
// UNMAP and the ratio B/A. NOTRACE=1: the hosts trace nothing; N=batches per tree (default 3000;
// a batch is 32 ioctls and the trace keeps 100,000, so N above ~3,100 reaches the full-trace regime).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
const [A, B, liveS] = process.argv.slice(2);
const live = Number(liveS ?? 16);
async function rig(tree) {
  const dist = pathToFileURL(resolve(tree, 'dist-bench')).href;
  const { openType1, mapArg, unmapArg } = await import(`${dist}/bench/cases/type1.js`);
  const uapi = await import(`${dist}/src/uapi/index.js`);
  const t = openType1(live + 64, live + 1000);
  if (process.env.NOTRACE) t.host.trace.enabled = false;
  const slot = (s) => 0x1_0000_0000n + BigInt(s) * 0x1000n;
  for (let s = 0; s < live; s++) t.p.ioctl(t.container, uapi.VFIO_IOMMU_MAP_DMA, mapArg(t, slot(2 * s), s));
  let round = 0; const maps = [], unmaps = [];
  return { tree, maps, unmaps, batch(rec) {
    const K = 16, base = (round++ * K) % live;
    const slots = Array.from({ length: K }, (_, i) => slot(2 * ((base + i) % live) + 1));
    const margs = slots.map((iova, i) => mapArg(t, iova, live + i)); const uargs = slots.map(unmapArg);
    const t0 = process.hrtime.bigint();
    for (const a of margs) t.p.ioctl(t.container, uapi.VFIO_IOMMU_MAP_DMA, a);
    const t1 = process.hrtime.bigint();
    for (const a of uargs) t.p.ioctl(t.container, uapi.VFIO_IOMMU_UNMAP_DMA, a);
    const t2 = process.hrtime.bigint();
    if (rec) { maps.push(Number(t1 - t0) / K); unmaps.push(Number(t2 - t1) / K); }
  } };
}
const a = await rig(A), b = await rig(B);
const N = Number(process.env.N ?? 3000);
for (let i = 0; i < N; i++) { const rec = i > N / 5; if (i & 1) { a.batch(rec); b.batch(rec); } else { b.batch(rec); a.batch(rec); } }
const med = (x) => { const s = [...x].sort((p, q) => p - q); return Math.round(s[s.length >> 1]); };
for (const r of [a, b]) console.log(r.tree.padEnd(12), 'map', med(r.maps), 'unmap', med(r.unmaps));
console.log('ratio B/A map', (med(b.maps) / med(a.maps)).toFixed(3), 'unmap', (med(b.unmaps) / med(a.unmaps)).toFixed(3));

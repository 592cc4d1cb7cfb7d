// node --expose-gc msix-eventfd-ab.mjs <treeA> <treeB>: msix-eventfd.mjs's rig (doorbell store -> MSI-X ->
// IOMMU IR -> eventfd, batches of 64; msix-rig.mjs) for both trees in ONE process, batches alternated A/B, B/A, so a
// change in the machine speed lands on both; prints the median wall ns per interrupt and the ratio B/A.
// NOTRACE=1: the hosts trace nothing. N = batches per tree (default 4000).
import { openDoorbellRig } from './msix-rig.mjs';
const [A, Bt] = process.argv.slice(2);
async function rig(tree) {
  const { host, p, bar, efd } = await openDoorbellRig(tree);
  if (process.env.NOTRACE) host.trace.enabled = false;
  const per = [];
  return { tree, per, batch(rec) {
    const a = process.hrtime.bigint();
    for (let i = 0; i < 64; i++) p.write32(bar, 0);
    host.run();
    const got = new DataView(p.read(efd, 8).buffer).getBigUint64(0, true);
    const b = process.hrtime.bigint();
    if (got !== 64n) throw new Error('lost irq');
    if (rec) per.push(Number(b - a) / 64);
  } };
}
const a = await rig(A), b = await rig(Bt);
const N = Number(process.env.N ?? 4000);
for (let i = 0; i < N; i++) { const rec = i > N / 5; if (i & 1) { a.batch(rec); b.batch(rec); } else { b.batch(rec); a.batch(rec); } }
const med = (x) => { const s = [...x].sort((p, q) => p - q); return Math.round(s[s.length >> 1]); };
for (const r of [a, b]) console.log(r.tree.padEnd(12), 'ns/irq', med(r.per));
console.log('ratio B/A', (med(b.per) / med(a.per)).toFixed(3));

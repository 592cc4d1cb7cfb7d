// node msix-eventfd.mjs <tree> <n>: n doorbell stores → MSI-X → IOMMU IR → eventfd deliveries (the
// bench case `interrupts`, batches of 64) on <tree>/dist-bench; prints wall and user-CPU ns per interrupt.
// The rig is msix-rig.mjs.
const [tree, nStr] = process.argv.slice(2);
import { openDoorbellRig } from './msix-rig.mjs';
const n = Number(nStr);
const { host, p, bar, efd } = await openDoorbellRig(tree);
const B = 64;
let ns = 0n, cnt = 0, c0 = 0;
const rounds = Math.ceil(n / B);
for (let r = 0; r < rounds; r++) {
  if (r === Math.floor(rounds / 5) + 1) c0 = process.cpuUsage().user;
  const a = process.hrtime.bigint();
  for (let i = 0; i < B; i++) p.write32(bar, 0);
  host.run();
  const got = new DataView(p.read(efd, 8).buffer).getBigUint64(0, true);
  const b = process.hrtime.bigint();
  if (got !== BigInt(B)) throw new Error('lost irq');
  if (r > rounds / 5) { ns += b - a; cnt += B; }
}
const cpu = process.cpuUsage().user - c0;
console.log(JSON.stringify({ tree, nsPerIrq: Math.round(Number(ns) / cnt), cpuNsPerIrq: Math.round(cpu * 1000 / cnt) }));

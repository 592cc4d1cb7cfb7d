// node type1-map-unmap.mjs <tree> <n>: n MAP_DMA+UNMAP_DMA pairs (4 KiB, 16 live mappings) through
// Process.ioctl on a type1v2 container of <tree>/dist-bench; prints wall ns per MAP and per UNMAP
// and the process's user CPU ns per pair (less sensitive to other load than wall time).
// NOTRACE=1 turns the host's trace off first (both builds trace by default).
const [tree, nStr] = process.argv.slice(2);
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
const n = Number(nStr);
const dist = pathToFileURL(resolve(tree, 'dist-bench')).href;
const { openType1, mapArg, unmapArg } = await import(`${dist}/bench/cases/type1.js`);
const uapi = await import(`${dist}/src/uapi/index.js`);
const t = openType1(64, 1000);
const { p, container } = t;
if (process.env.NOTRACE) t.host.trace.enabled = false;
for (let s = 0; s < 16; s++) p.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, mapArg(t, 0x1_0000_0000n + BigInt(2 * s) * 0x1000n, s));
const K = 16;
const margs = Array.from({ length: K }, (_, i) => mapArg(t, 0x1_0000_0000n + BigInt(2 * i + 1) * 0x1000n, 16 + i));
const uargs = Array.from({ length: K }, (_, i) => unmapArg(0x1_0000_0000n + BigInt(2 * i + 1) * 0x1000n));
let mapNs = 0n, unNs = 0n, cpu = 0;
const rounds = Math.ceil(n / K);
let c0 = 0;
for (let r = 0; r < rounds; r++) {
  if (r === Math.floor(rounds / 5) + 1) c0 = process.cpuUsage().user;
  const a = process.hrtime.bigint();
  for (const m of margs) p.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, m);
  const b = process.hrtime.bigint();
  for (const u of uargs) p.ioctl(container, uapi.VFIO_IOMMU_UNMAP_DMA, u);
  const c = process.hrtime.bigint();
  if (r > rounds / 5) { mapNs += b - a; unNs += c - b; }
}
cpu = process.cpuUsage().user - c0;
const cnt = BigInt((rounds - Math.floor(rounds / 5) - 1) * K);
console.log(JSON.stringify({ tree, map: Number(mapNs / cnt), unmap: Number(unNs / cnt), cpuPairNs: Math.round(cpu * 1000 / Number(cnt)) }));

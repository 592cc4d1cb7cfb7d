// node steps.mjs <tree> <suite|loop>: user CPU ns per step of <tree>/dist-bench.
//  suite: the property suite as the bench's `steps` case runs it (fast-check, seed 0x5eed,
//         2 x 150 runs after 20 warm-up runs; Host builds and per-step checks included);
//  loop:  the bench's bare random syscall loop, 6,000 runs x 50 steps after 2,000 warm-up runs
//         on one host (NOTRACE=1: with its trace off).
// The loop repeats bench/cases/steps.ts's Loop on purpose: a build from before the house round
// (4987b32) does not export it, and both trees must run the same steps.
const [tree, what] = process.argv.slice(2);
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const dist = pathToFileURL(resolve(tree, 'dist-bench')).href;
const { Host, SystemError } = await import(`${dist}/src/index.js`);
const uapi = await import(`${dist}/src/uapi/index.js`);
const rngPath = existsSync(resolve(tree, 'dist-bench/src/base/rng.js')) ? 'base' : 'sim';
const { Rng } = await import(`${dist}/src/${rngPath}/rng.js`);
let sinkv = 0; const sink = (x) => { sinkv ^= Number(x) | 0; };
if (what === 'loop') {
  class Loop {
    constructor(p, rng) { this.p = p; this.rng = rng; this.fds = []; this.maps = []; }
    pick(xs) { return xs.length === 0 ? undefined : xs[this.rng.below(xs.length)]; }
    step() { try { this.command(this.rng.below(8)); } catch (e) { if (!(e instanceof SystemError)) throw e; } }
    command(kind) {
      const p = this.p;
      switch (kind) {
        case 0: this.fds.push(p.eventfd(0, uapi.EFD_NONBLOCK)); return;
        case 1: { const fd = this.pick(this.fds); if (fd !== undefined) p.write(fd, Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0)); return; }
        case 2: { const fd = this.pick(this.fds); if (fd !== undefined) sink(p.read(fd, 8)[0]); return; }
        case 3: { const fd = this.fds.pop(); if (fd !== undefined) p.close(fd); return; }
        case 4: { const len = BigInt(1 + this.rng.below(16)) << 12n; const a = p.mmap(0n, len, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS, -1, 0n); p.write32(a, 0xdeadbeef); this.maps.push([a, len]); return; }
        case 5: { const m = this.maps.pop(); if (m !== undefined) { sink(p.read32(m[0])); p.munmap(m[0], m[1]); } return; }
        case 6: { const c = p.open('/dev/vfio/vfio'); sink(p.ioctl(c, uapi.VFIO_GET_API_VERSION) + p.ioctl(c, uapi.VFIO_CHECK_EXTENSION, uapi.VFIO_TYPE1v2_IOMMU)); p.close(c); return; }
        default: sink(p.readFile('/sys/bus/pci/devices/0000:06:00.0/vendor').length);
      }
    }
  }
  const host = new Host();
  if (process.env.NOTRACE) host.trace.enabled = false;
  let seed = 1;
  const runs = (n) => { for (let r = 0; r < n; r++) { const l = new Loop(host.spawn(), new Rng(seed++)); for (let i = 0; i < 50; i++) l.step(); l.p.exit(); } };
  runs(2000);
  const c0 = process.cpuUsage().user; runs(6000); const cpu = process.cpuUsage().user - c0;
  console.log(JSON.stringify({ tree, what, cpuNsPerStep: Math.round(cpu * 1000 / (6000 * 50)) }));
} else {
  const fc = (await import(pathToFileURL(resolve(tree, 'node_modules/fast-check/lib/fast-check.js')).href)).default;
  const { topologyArb } = await import(`${dist}/src/testing/arbitraries.js`);
  const { syscallCommands, syscallWorld } = await import(`${dist}/src/testing/commands.js`);
  let steps = 0;
  const run = (n) => fc.assert(fc.property(topologyArb({ allowNoIommu: true }), fc.commands(syscallCommands(), { maxCommands: 60, size: 'max' }), (topo, cmds) => { const w = syscallWorld(new Host(topo)); fc.modelRun(() => ({ model: {}, real: w }), cmds); steps += w.steps; }), { numRuns: n, seed: 0x5eed });
  run(20); steps = 0;
  const c0 = process.cpuUsage().user; run(150); run(150); const cpu = process.cpuUsage().user - c0;
  console.log(JSON.stringify({ tree, what, steps, cpuNsPerStep: Math.round(cpu * 1000 / steps) }));
}

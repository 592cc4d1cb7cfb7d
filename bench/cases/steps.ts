/**
 * Steps per second of model-based runs, two ways:
 *  - the simulator's own property suite (src/testing: random machines × random syscall
 *    sequences via fast-check, every step checked by guardedStep: errors, unchanged state
 *    on failure, isolation invariants), at a fixed seed, as test/properties runs it;
 *  - a bare micro-loop of our own: a seeded random syscall loop over Process (eventfd
 * create/write/read/close, anonymous mmap + CPU stores/loads + munmap, container open +
 * GET_API_VERSION / CHECK_EXTENSION + close, sysfs reads), with expected failures (EAGAIN
 * on an empty non-blocking eventfd, EBADF on a closed fd) caught as SystemError, as a
 * property test would. Baseline: the cheapest syscall (VFIO_GET_API_VERSION).
 *
 * Target: 100 runs × 50 commands (5,000 steps) in well under a second → ≥ 5,000 steps/s.
 */
import fc from 'fast-check';
import { Host, SystemError, type Process } from '../../src/index.js';
import { topologyArb } from '../../src/testing/arbitraries.js';
import { syscallCommands, syscallWorld } from '../../src/testing/commands.js';
import * as uapi from '../../src/uapi/index.js';
import { Rng } from '../../src/base/rng.js';
import { figure, median, now, sink, timeOps, type BenchCase, type BenchContext, type Figure } from '../harness.js';

const STEPS_PER_RUN = 50;

class Loop {
  readonly fds: number[] = [];
  readonly maps: Array<[bigint, bigint]> = [];
  expected = 0;
  constructor(readonly p: Process, readonly rng: Rng) {}

  pick<T>(xs: readonly T[]): T | undefined {
    return xs.length === 0 ? undefined : xs[this.rng.below(xs.length)];
  }

  /** One random command; SystemError is an expected outcome, anything else is a bug. */
  step(): void {
    try {
      this.command(this.rng.below(8));
    } catch (e) {
      if (!(e instanceof SystemError)) throw e;
      this.expected++;
    }
  }

  private command(kind: number): void {
    const p = this.p;
    switch (kind) {
      case 0: this.fds.push(p.eventfd(0, uapi.EFD_NONBLOCK)); return;
      case 1: { const fd = this.pick(this.fds); if (fd !== undefined) p.write(fd, Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0)); return; }
      case 2: { const fd = this.pick(this.fds); if (fd !== undefined) sink(p.read(fd, 8)[0]!); return; }
      case 3: { const fd = this.fds.pop(); if (fd !== undefined) p.close(fd); return; }
      case 4: {
        const len = BigInt(1 + this.rng.below(16)) << 12n;
        const a = p.mmap(0n, len, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS, -1, 0n);
        p.write32(a, 0xdeadbeef);
        this.maps.push([a, len]);
        return;
      }
      case 5: { const m = this.maps.pop(); if (m !== undefined) { sink(p.read32(m[0])); p.munmap(m[0], m[1]); } return; }
      case 6: {
        const c = p.open('/dev/vfio/vfio');
        sink(p.ioctl(c, uapi.VFIO_GET_API_VERSION) + p.ioctl(c, uapi.VFIO_CHECK_EXTENSION, uapi.VFIO_TYPE1v2_IOMMU));
        p.close(c);
        return;
      }
      default: sink(p.readFile('/sys/bus/pci/devices/0000:06:00.0/vendor').length);
    }
  }
}

/** One fc.assert of the property suite: [ns, steps]. Same seed each time, same work. */
function suiteRun(runs: number): [number, number] {
  let steps = 0;
  const t0 = now();
  fc.assert(
    fc.property(topologyArb({ allowNoIommu: true }), fc.commands(syscallCommands(), { maxCommands: 60, size: 'max' }), (topo, cmds) => {
      const w = syscallWorld(new Host(topo));
      fc.modelRun(() => ({ model: {}, real: w }), cmds);
      steps += w.steps;
    }),
    { numRuns: runs, seed: 0x5eed },
  );
  return [Number(now() - t0), steps];
}

function propertySuite(ctx: BenchContext): Figure {
  const quick = ctx.profile === 'quick';
  const runs = quick ? 3 : 150;
  suiteRun(quick ? 1 : 20); // warm-up
  const per: number[] = [];
  let steps = 0;
  let ns = 0;
  for (let i = 0; i < (quick ? 1 : 3); i++) {
    const [t, s] = suiteRun(runs);
    per.push(t / s);
    steps = s;
    ns = t;
  }
  const nsPerStep = median(per);
  return figure({
    id: 'steps.property-suite',
    label: 'property suite steps (random machines × syscalls, checked)',
    value: 1e9 / nsPerStep,
    unit: 'steps/s',
    target: { on: 'value', op: '>=', limit: 5000 },
    note: `${runs} runs, ${steps} steps in ${(ns / 1e6).toFixed(0)} ms per pass (Host build, fast-check generation and the per-step checks included)`,
  });
}

export const stepsCase: BenchCase = {
  name: 'steps',
  about: 'steps/s of the property suite (src/testing) and of a bare random syscall loop',
  run(ctx: BenchContext): Figure[] {
    let seed = 1;
    let expected = 0;
    let steps = 0;
    // each op = one run of 50 steps on a fresh process of a shared host, as a property run
    const host = new Host();
    const st = timeOps(ctx, (n) => {
      for (let r = 0; r < n; r++) {
        const loop = new Loop(host.spawn(), new Rng(seed++));
        for (let i = 0; i < STEPS_PER_RUN; i++) loop.step();
        loop.p.exit();
        expected += loop.expected;
        steps += STEPS_PER_RUN;
      }
    });
    const p = host.spawn();
    const c = p.open('/dev/vfio/vfio');
    const sys = timeOps(ctx, (n) => {
      for (let i = 0; i < n; i++) sink(p.ioctl(c, uapi.VFIO_GET_API_VERSION));
    }).nsPerOp;
    const nsPerStep = st.nsPerOp / STEPS_PER_RUN;
    return [
      propertySuite(ctx),
      figure({
        id: 'steps.random-syscalls',
        label: 'bare random syscall loop (no per-step checks)',
        value: 1e9 / nsPerStep,
        unit: 'steps/s',
        baseline: { label: 'ioctl VFIO_GET_API_VERSION', value: 1e9 / sys, unit: 'ops/s' },
        ratio: nsPerStep / sys,
        ratioUnit: 'x cheapest ioctl',
        target: { on: 'value', op: '>=', limit: 5000 },
        note: `100 x 50 steps ≈ ${((100 * st.nsPerOp) / 1e6).toFixed(1)} ms; ${((100 * expected) / Math.max(1, steps)).toFixed(0)} % expected errors`,
      }),
    ];
  },
};

/**
 * Steps per second of a model-based run. PLACEHOLDER until the isolation lab's property
 * suite lands: our own seeded random syscall loop over the public Process surface (eventfd
 * create/write/read/close, anonymous mmap + CPU stores/loads + munmap, container open +
 * GET_API_VERSION / CHECK_EXTENSION + close, sysfs reads), with expected failures (EAGAIN
 * on an empty non-blocking eventfd, EBADF on a closed fd) caught as SystemError, as a
 * property test would. Baseline: the cheapest syscall (VFIO_GET_API_VERSION).
 *
 * Target: 100 runs × 50 commands (5,000 steps) in well under a second → ≥ 5,000 steps/s.
 */
import { Host, SystemError, type Process } from '../../src/index.js';
import * as uapi from '../../src/uapi/index.js';
import { Rng } from '../../src/sim/rng.js';
import { figure, sink, timeOps, type BenchCase, type BenchContext, type Figure } from '../harness.js';

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

export const stepsCase: BenchCase = {
  name: 'steps',
  about: 'steps/s of a seeded random syscall loop (placeholder for the isolation lab suite)',
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
      figure({
        id: 'steps.random-syscalls',
        label: 'random syscall loop (placeholder for the property suite)',
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

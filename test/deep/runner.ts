/**
 * The deep run of the property suite (`npm run test:deep`): at least 1,000,000 syscall
 * steps over random machines, split into PARTS files so vitest's `--shard=i/n` spreads
 * them over processes or machines. `VFIO_SIM_DEEP_STEPS` (default 1,000,000 in total) and
 * `VFIO_SIM_DEEP_SEED` tune it; every part prints how many steps it ran. A failure is
 * reported by fast-check with its seed and shrunk command list.
 */
import { expect, it } from 'vitest';
import fc from 'fast-check';
import { Host } from '../../src/host/host.js';
import { topologyArb } from '../../src/testing/arbitraries.js';
import { syscallCommands, syscallWorld } from '../../src/testing/commands.js';

export const PARTS = 4;
const RUNS_PER_ASSERT = 50;

export function deepPart(part: number): void {
  it(`part ${part}/${PARTS}: no invariant breaks and no failed call changes state`, () => {
    const target = Math.ceil(Number(process.env['VFIO_SIM_DEEP_STEPS'] ?? 1_000_000) / PARTS);
    const seed = Number(process.env['VFIO_SIM_DEEP_SEED'] ?? 0x1000) + part * 1_000_000;
    let steps = 0;
    let rounds = 0;
    while (steps < target) {
      fc.assert(
        fc.property(topologyArb({ allowNoIommu: true }), fc.commands(syscallCommands(), { maxCommands: 200, size: 'max' }), (topo, cmds) => {
          const w = syscallWorld(new Host(topo));
          fc.modelRun(() => ({ model: {}, real: w }), cmds);
          steps += w.steps;
        }),
        { numRuns: RUNS_PER_ASSERT, seed: seed + rounds },
      );
      rounds++;
    }
    console.log(`deep part ${part}: ${steps} steps on ${rounds * RUNS_PER_ASSERT} random machines (seeds ${seed}..${seed + rounds - 1}); no invariant broken`);
    expect(steps).toBeGreaterThanOrEqual(target);
  });
}

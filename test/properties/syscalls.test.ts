/**
 * The simulator's own property suite: random machines × random syscall sequences (every
 * VFIO and iommufd ioctl, valid and invalid arguments, closed fds, binding changes, clock,
 * hostile-device attacks), with src/testing/commands.ts checking after every step that only
 * SystemError/TypeError come out, a failed call changes nothing, and no isolation invariant
 * breaks. A failure prints fast-check's seed and path: replay with `{ seed, path }`.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Host } from '../../src/host/host.js';
import { topologyArb } from '../../src/testing/arbitraries.js';
import { syscallCommands, syscallWorld } from '../../src/testing/commands.js';

const RUNS = Number(process.env['VFIO_SIM_PROPERTY_RUNS'] ?? 150);

describe('random machines × random syscall sequences', () => {
  it('keep every promise of the syscall surface and every isolation invariant', () => {
    let steps = 0;
    fc.assert(
      fc.property(topologyArb({ allowNoIommu: true }), fc.commands(syscallCommands(), { maxCommands: 60, size: 'max' }), (topo, cmds) => {
        const w = syscallWorld(new Host(topo));
        fc.modelRun(() => ({ model: {}, real: w }), cmds);
        steps += w.steps;
      }),
      { numRuns: RUNS },
    );
    expect(steps).toBeGreaterThan(RUNS);
  });

  it('on the default machine too', () => {
    fc.assert(
      fc.property(fc.commands(syscallCommands({ binding: false }), { maxCommands: 60, size: 'max' }), (cmds) => {
        const w = syscallWorld(new Host());
        fc.modelRun(() => ({ model: {}, real: w }), cmds);
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
  });
});

/**
 * guardedStep compares flat state vectors instead of observableState strings (for speed);
 * the two must agree: across every pair of states seen in random runs, vectors are equal
 * exactly when the strings are.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Host } from '../host/host.js';
import { topologyArb } from './arbitraries.js';
import { SystemError } from '../base/errors.js';
import { guardedStep, observableState, stateDiff, stateVector, syscallCommands, syscallWorld } from './commands.js';

/** The observableStateObject a vector describes (parsed back by its tags). */
function fromVector(v: ReturnType<typeof stateVector>): unknown {
  const o = { tasks: [] as unknown[], groups: [] as unknown[], domains: [] as unknown[], vfio: [] as unknown[], drivers: [] as unknown[], free: -1 as unknown };
  for (let i = 0; i < v.length; ) {
    const tag = v[i++];
    if (tag === 'T') {
      const pid = v[i++];
      const n = v[i++] as number;
      const fds: string[] = [];
      for (let j = 0; j < n; j++, i += 3) fds.push(`${v[i]}:${v[i + 1]}:${v[i + 2]}`);
      o.tasks.push([pid, fds, String(v[i]), String(v[i + 1]), v[i + 2], v[i + 3]]);
      i += 4;
    } else if (tag === 'G') {
      o.groups.push(v.slice(i, i + 4));
      i += 4;
    } else if (tag === 'D') {
      o.domains.push([v[i], v[i + 1], v[i + 2], String(v[i + 3])]);
      i += 4;
    } else if (tag === 'V') {
      o.vfio.push(v.slice(i, i + 3));
      i += 3;
    } else if (tag === 'R') o.drivers.push(v[i++]);
    else if (tag === 'F') o.free = v[i++];
    else throw new Error(`bad tag ${String(tag)}`);
  }
  return o;
}

describe('stateVector', () => {
  it('holds every fact of observableState, and is equal between two states exactly when it is', () => {
    let pairs = 0;
    let changed = 0;
    const kinds = new Set<string>();
    fc.assert(
      fc.property(topologyArb({ allowNoIommu: true }), fc.commands(syscallCommands(), { maxCommands: 40, size: 'max' }), (topo, cmds) => {
        const host = new Host(topo);
        const w = syscallWorld(host);
        const seen: Array<[string, ReturnType<typeof stateVector>]> = [[observableState(host), stateVector(host)]];
        for (const c of cmds) {
          c.run({}, w);
          seen.push([observableState(host), stateVector(host)]);
          expect(JSON.stringify(fromVector(seen[seen.length - 1]![1]))).toBe(seen[seen.length - 1]![0]);
        }
        for (let i = 0; i < seen.length; i++) {
          for (let j = Math.max(0, i - 6); j < i; j++) {
            const [si, vi] = seen[i]!;
            const [sj, vj] = seen[j]!;
            expect(stateDiff(vi, vj) < 0).toBe(si === sj);
            pairs++;
            if (si !== sj) changed++;
          }
          const o = JSON.parse(seen[i]![0]) as { domains: unknown[]; tasks: Array<[number, string[]]>; vfio: unknown[] };
          if (o.domains.length > 0) kinds.add('domains');
          if (o.tasks.some((t) => t[1].length > 0)) kinds.add('fds');
          if (o.vfio.length > 0) kinds.add('vfio');
        }
      }),
      { numRuns: 25 },
    );
    expect(pairs).toBeGreaterThan(1000);
    expect(changed).toBeGreaterThan(100);
    expect(pairs - changed).toBeGreaterThan(100);
    expect([...kinds].sort()).toEqual(['domains', 'fds', 'vfio']);
  });

  it('lets guardedStep catch a failed call that changed state, and pass one that did not', () => {
    const host = new Host();
    const w = syscallWorld(host);
    const fail = (): never => {
      throw new SystemError('EINVAL', 'ioctl');
    };
    expect(guardedStep(w, 'clean failure', fail)).toBe(false);
    expect(() =>
      guardedStep(w, 'leaky failure', () => {
        w.p.open('/dev/vfio/vfio');
        fail();
      }),
    ).toThrow(/leaky failure: failed but changed state/);
    expect(guardedStep(w, 'success', () => w.p.close(w.p.open('/dev/vfio/vfio')))).toBe(true);
  });
});

/**
 * The `chown` step: chown(2) through the process skin, as an admin or a udev rule hands a
 * VFIO group node to a user. Only CAP_CHOWN may give a file away (EPERM), an absent or -1
 * id stays as it was, and after it the new owner opens the group without any privilege.
 */
import { describe, expect, it } from 'vitest';
import { runScenario, safeParseScenario } from '../../src/scenarios/index.js';
import { readJsonFile } from './helpers.js';
import { resolvePath } from '../support/kernel-state.js';

const topo = readJsonFile('fixtures/topologies/default.json');
const scen = (steps: unknown[]): unknown => ({ name: 't', topology: topo, steps });
const EDU = '0000:06:00.0';

function groupNode(): string {
  const r = runScenario(scen([]));
  const id = r.host.spawn().readlink(`/sys/bus/pci/devices/${EDU}/iommu_group`).split('/').pop();
  return `/dev/vfio/${id}`;
}

describe('scenario step chown', () => {
  it('lets a non-root user open the group only after root chowns its node', () => {
    const node = groupNode();
    const r = runScenario(scen([
      { op: 'bind', bdf: EDU, driver: 'vfio-pci' },
      { op: 'spawn', as: 'user', uid: 1000, gid: 1000 },
      { op: 'open', process: 'user', path: node, expect: { errno: 'EACCES' } },
      { op: 'chown', process: 'user', path: node, uid: 1000, expect: { errno: 'EPERM' } },
      { op: 'chown', path: node, uid: 1000 },
      { op: 'open', process: 'user', path: '/dev/vfio/vfio', as: 'container' },
      { op: 'open', process: 'user', path: node, as: 'group' },
      { op: 'ioctl', process: 'user', fd: 'group', request: 'VFIO_GROUP_SET_CONTAINER', arg: 'container' },
      { op: 'ioctl', process: 'user', fd: 'container', request: 'VFIO_SET_IOMMU', arg: 'VFIO_TYPE1v2_IOMMU' },
    ]));
    expect(r.steps.filter((s) => !s.ok)).toEqual([]);
    expect(r.ok).toBe(true);
    const n = resolvePath(r.host, node);
    expect(n.ok && [n.value.node.uid, n.value.node.gid]).toEqual([1000, 0]);
  });

  it('sets only the ids given, and fails with ENOENT on a missing path', () => {
    const node = groupNode();
    const r = runScenario(scen([
      { op: 'bind', bdf: EDU, driver: 'vfio-pci' },
      { op: 'chown', path: node, gid: 50 },
      { op: 'chown', path: node, uid: 7, gid: -1 },
      { op: 'chown', path: '/dev/vfio/999', uid: 1, expect: { errno: 'ENOENT' } },
    ]));
    expect(r.ok).toBe(true);
    const n = resolvePath(r.host, node);
    expect(n.ok && [n.value.node.uid, n.value.node.gid]).toEqual([7, 50]);
  });

  it('the schema refuses a uid below -1 and unknown fields, naming the path', () => {
    const r = safeParseScenario({ name: 'x', steps: [{ op: 'chown', path: '/dev/vfio/2', uid: -2 }, { op: 'chown', path: '/x', owner: 1 }] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['steps[0].uid', 'steps[1]']));
  });
});

/**
 * Topology knobs for the IOMMU features iommufd asks about: `iommu.dirtyTracking` (the unit
 * tracks dirty pages; default true), a function's `iommuDirtyTracking` (false: it sits
 * behind a unit without it) and `priCapable` (PCIe PRI, page requests; used with ATS).
 */
import { describe, expect, it } from 'vitest';
import { parseTopology, safeParseTopology } from '../../src/hardware/topology/index.js';

const topo = (iommu: object, ep: object = {}) => ({
  name: 't', ramBytes: '0x100000000', iommu,
  pci: [
    { bdf: '0000:00:00.0', type: 'host-bridge' },
    { bdf: '0000:00:01.0', type: 'root-port', children: [{ bdf: '0000:01:00.0', type: 'endpoint', model: 'edu', ...ep }] },
  ],
});

describe('IOMMU feature knobs in the topology', () => {
  it('defaults: dirty tracking on, no PRI, every function behind a dirty-tracking unit', () => {
    const t = parseTopology(topo({}));
    expect(t.iommu?.dirtyTracking).toBe(true);
    const f = t.byBdf('0000:01:00.0')!;
    expect(f.priCapable).toBe(false);
    expect(f.iommuDirtyTracking).toBe(true);
  });

  it('takes the knobs as given', () => {
    const t = parseTopology(topo({ dirtyTracking: false }, { atsCapable: true, priCapable: true, iommuDirtyTracking: false }));
    expect(t.iommu?.dirtyTracking).toBe(false);
    const f = t.byBdf('0000:01:00.0')!;
    expect([f.atsCapable, f.priCapable, f.iommuDirtyTracking]).toEqual([true, true, false]);
  });

  it('rejects non-booleans, naming the field', () => {
    const r = safeParseTopology(topo({ dirtyTracking: 'no' }));
    expect(r.ok).toBe(false);
    const s = safeParseTopology(topo({}, { priCapable: 1 }));
    expect(s.ok).toBe(false);
    if (!s.ok) expect(JSON.stringify(s.issues)).toContain('priCapable');
  });
});

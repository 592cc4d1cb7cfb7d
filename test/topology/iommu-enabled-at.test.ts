/**
 * `iommu.enabledAtNs`: when the OS turns translation on (threat T12, the pre-IOMMU boot
 * window). Parsed as a u64 (number or hex string, default 0) and wired to the fabric, so a
 * device request before that time reaches memory untranslated.
 */
import { describe, expect, it } from 'vitest';
import { parseTopology, safeParseTopology } from '../../src/hardware/topology/index.js';
import { IsolationLab } from '../../src/testing/lab.js';
import { SW2, sw2Topology } from '../../src/testing/reference-switch.js';

const base = (iommu: object | null | undefined) => ({
  name: 't', ramBytes: '0x100000000', ...(iommu === undefined ? {} : { iommu }),
  pci: [{ bdf: '0000:00:00.0', type: 'host-bridge' }],
});

describe('topology iommu.enabledAtNs', () => {
  it('defaults to 0 (translation from power-on), with or without an iommu object', () => {
    expect(parseTopology(base(undefined)).iommu?.enabledAtNs).toBe(0n);
    expect(parseTopology(base({})).iommu?.enabledAtNs).toBe(0n);
    expect(parseTopology(base(null)).iommu).toBeNull();
  });

  it('takes a number or a hex string of ns', () => {
    expect(parseTopology(base({ enabledAtNs: 100_000_000 })).iommu?.enabledAtNs).toBe(100_000_000n);
    expect(parseTopology(base({ enabledAtNs: '0x5f5e100' })).iommu?.enabledAtNs).toBe(100_000_000n);
  });

  it('rejects a negative, fractional or non-hex value, naming the field', () => {
    for (const bad of [-1, 1.5, '100ms']) {
      const r = safeParseTopology(base({ enabledAtNs: bad }));
      expect(r.ok).toBe(false);
      expect(!r.ok && r.issues.map((i) => i.path)).toEqual(['iommu.enabledAtNs']);
    }
  });

  it('reaches the fabric: before the time a device write is untranslated, after it the same write faults', () => {
    const topo = sw2Topology();
    const l = new IsolationLab({ ...topo, iommu: { ...(topo['iommu'] as object), enabledAtNs: '0x5f5e100' } });
    expect(l.host.machine.fabric.iommuEnabledAt).toBe(100_000_000n);
    const h = l.hostile(SW2.A);
    l.host.advance(50_000_000n);
    expect(h.attack({ kind: 'write', addr: 0x1_0000n, data: new Uint8Array([1, 2, 3, 4]) }).ok).toBe(true);
    expect(l.host.phys.read(0x1_0000n, 4)).toEqual(new Uint8Array([1, 2, 3, 4]));
    expect(l.host.faults()).toEqual([]);
    l.host.advance(50_000_000n);
    expect(h.attack({ kind: 'write', addr: 0x1_0000n, data: new Uint8Array([9, 9, 9, 9]) }).ok).toBe(false);
    expect(l.host.faults()[0]).toMatchObject({ rid: 0x0300, code: 0x5 });
    expect(l.host.phys.read(0x1_0000n, 4)).toEqual(new Uint8Array([1, 2, 3, 4]));
  });

  it('a machine whose topology omits it translates from t=0', () => {
    const l = new IsolationLab(sw2Topology());
    expect(l.host.machine.fabric.iommuEnabledAt).toBe(0n);
    expect(l.hostile(SW2.A).attack({ kind: 'write', addr: 0x1_0000n, data: new Uint8Array(4) }).ok).toBe(false);
  });
});

/**
 * Audit of the IOMMU side against spec topology-groups-iommu.md §5 points 2, 22, 26 and 27:
 * a ghost DMA alias is programmed into the group's domain and faults as itself; an identity
 * default domain does not follow a group into VFIO (claiming moves every RID to the
 * blocking domain, where all DMA faults, until the user's domain is attached; release brings
 * the default back); IOVA 0 is an ordinary address in an unmanaged domain.
 */
import { describe, expect, it } from 'vitest';
import { Host } from '../../src/index.js';
import type { IommuDomain } from '../../src/hardware/iommu/index.js';
import { iommuGroup } from '../support/kernel-state.js';

const data = new Uint8Array([0xde, 0xad, 0xbe, 0xef]);

// table 1.8 row 10 with a ghost function: 03:00.0 also DMAs as 03:00.1, which does not exist
const GHOST = {
  name: 'ghost', ramBytes: '0x100000000', iommu: { invalidation: 'strict' },
  pci: [
    { bdf: '0000:00:00.0', type: 'host-bridge' },
    { bdf: '0000:00:1c.0', type: 'root-port', acs: ['SV', 'RR', 'CR', 'UF'], children: [
      { bdf: '0000:03:00.0', type: 'endpoint', model: 'edu', dmaAliases: ['00.1'] },
    ] },
  ],
};

describe('§5.2 a ghost alias RID is part of the group', () => {
  it('the group is the real function alone, yet both RIDs point at its domain, through VFIO too', () => {
    const h = new Host(GHOST);
    const g = iommuGroup(h, '0000:03:00.0');
    expect(g.devices.map((d) => d.bdf)).toEqual(['0000:03:00.0']);
    expect(g.rids).toEqual([0x0300, 0x0301]);
    expect(h.iommu!.contextOf(0x0301)?.domain).toBe(g.defaultDomain);
    h.bind('0000:03:00.0', 'vfio-pci');
    expect(g.claimDmaOwner({}).ok).toBe(true);
    const user = h.iommu!.allocDomain('unmanaged');
    expect(g.attachDomain(user).ok).toBe(true);
    expect(h.iommu!.contextOf(0x0300)?.domain).toBe(user);
    expect(h.iommu!.contextOf(0x0301)?.domain).toBe(user);
  });

  it('DMA under the alias faults with the alias as source id, not the real function', () => {
    const h = new Host(GHOST);
    const r = h.iommu!.dmaWrite(0x0301, 0x5000n, data);
    expect(r.ok).toBe(false);
    expect(h.faults().at(-1)).toMatchObject({ rid: 0x0301, code: 0x5 });
  });
});

describe('§5.22/§5.27 identity default domains and ownership transitions', () => {
  const EDU = '0000:06:00.0';
  const RID = 0x0600;

  it('claiming an identity group blocks all DMA (0x2), the user domain then translates, release restores identity', () => {
    const h = new Host();
    const sh = h.spawn();
    const id = sh.readlink(`/sys/bus/pci/devices/${EDU}/iommu_group`).split('/').pop();
    sh.writeFile(`/sys/kernel/iommu_groups/${id}/type`, 'identity');
    expect(h.iommu!.dmaWrite(RID, 0x10_0000n, data).ok).toBe(true);
    h.bind(EDU, 'vfio-pci');
    const g = iommuGroup(h, EDU);
    expect(g.claimDmaOwner({}).ok).toBe(true);
    expect(h.iommu!.dmaWrite(RID, 0x10_0000n, data).ok).toBe(false);
    expect(h.faults().at(-1)).toMatchObject({ rid: RID, code: 0x2 });
    const user = h.iommu!.allocDomain('unmanaged');
    expect(g.attachDomain(user).ok).toBe(true);
    expect(h.iommu!.dmaWrite(RID, 0x10_0000n, data).ok).toBe(false);
    expect(h.faults().at(-1)).toMatchObject({ rid: RID, code: 0x5 });
    g.releaseDmaOwner();
    expect(g.domain).toBe(g.defaultDomain);
    expect((g.defaultDomain as IommuDomain).type).toBe('identity');
    expect(h.iommu!.dmaWrite(RID, 0x10_0000n, data).ok).toBe(true);
  });

  it('another owner cannot claim a group VFIO holds on the user\'s domain: EPERM (iommu_group_claim_dma_owner, owner_cnt set)', () => {
    const h = new Host();
    h.bind(EDU, 'vfio-pci');
    const g = iommuGroup(h, EDU);
    expect(g.claimDeviceDmaOwner({}).ok).toBe(true);
    expect(g.attachDomain(h.iommu!.allocDomain('unmanaged')).ok).toBe(true);
    expect(g.claimDmaOwner({})).toMatchObject({ ok: false, code: 'EPERM' });
  });
});

describe('§5.26 IOVA 0 is valid', () => {
  it('a mapping at IOVA 0 in an unmanaged domain translates like any other', () => {
    const h = new Host();
    const iommu = h.iommu!;
    const d = iommu.allocDomain('unmanaged');
    iommu.attach(0x0600, d);
    expect(iommu.map(d, 0n, 0x20_0000n, 0x1000n, { read: true, write: true }).ok).toBe(true);
    expect(iommu.dmaWrite(0x0600, 0x10n, data).ok).toBe(true);
    expect([...h.phys.read(0x20_0010n, 4)]).toEqual([...data]);
    const r = iommu.dmaRead(0x0600, 0n, 4);
    expect(r.ok).toBe(true);
  });
});

/**
 * The rest of the threat catalogue (spec topology-groups-iommu.md §4.3): T4 RID aliasing,
 * T9 a lying ACS quirk, T10 a host driver inside a user-owned group, T12 the pre-IOMMU
 * boot window, T13 direct-mapped (RMRR) regions — each with the vulnerable and the
 * protected outcome.
 */
import { describe, expect, it } from 'vitest';
import { IsolationLab } from '../../src/testing/lab.js';
import { SW2, sw2Topology } from '../../src/testing/reference-switch.js';
import { checkInvariants } from '../../src/testing/invariants.js';
import { groupIdOf, openContainerAndGroup } from '../../src/testing/session.js';
import { EDU } from '../../src/hardware/devices/edu.js';
import * as uapi from '../../src/uapi/index.js';
import { errnoOf } from '../support/errno.js';
import { anonBuffer, attachContainer } from '../support/vfio.js';
import { groupTable, pciDevice } from '../support/kernel-state.js';

const RW = { read: true, write: true } as const;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);

/** Open a container and add `bdf`'s group as root; returns the process and fds. */
function vfioGroup(l: IsolationLab, bdf: string) {
  const p = l.host.spawn();
  const { container, group } = openContainerAndGroup(p, groupIdOf(p, bdf));
  return { p, container, group };
}

describe('T4: RID aliasing behind a PCIe-to-PCI bridge', () => {
  // X = 02:01.0 (hostile) and Y = 02:00.0 (edu) on a conventional bus: both reach the IOMMU as 0x0200
  const topo = {
    name: 't4', ramBytes: '0x100000000', iommu: { invalidation: 'strict' },
    pci: [
      { bdf: '0000:00:00.0', type: 'host-bridge' },
      { bdf: '0000:00:1c.0', type: 'root-port', acs: ['SV', 'RR', 'CR', 'UF'], children: [
        { bdf: '0000:01:00.0', type: 'pcie-to-pci-bridge', children: [
          { bdf: '0000:02:00.0', type: 'endpoint', model: 'edu', bars: [{ index: 0, size: '0x100000', address: '0xe0100000' }] },
          { bdf: '0000:02:01.0', type: 'endpoint', model: 'hostile', bars: [{ index: 0, size: '0x4000', address: '0xe0000000' }] },
        ] },
      ] },
    ],
  };
  const X = '0000:02:01.0';
  const Y = '0000:02:00.0';

  it('grouping puts the aliased devices in one group whose RIDs include the alias', () => {
    const l = new IsolationLab(topo);
    expect(l.group(X)).toBe(l.group(Y));
    expect(l.group(X).rids).toContain(0x0200);
  });

  it('a DMA from X is seen (and faults) as RID 0x0200, the bridge\'s secondary bus — not as X', () => {
    const l = new IsolationLab(topo);
    const r = l.hostile(X).attack({ kind: 'write', addr: 0x5000n, data: enc('x') });
    expect(r.ok).toBe(false);
    expect(l.host.faults()[0]).toMatchObject({ rid: 0x0200, code: 0x5 });
  });

  it('the alias also means X\'s DMA uses whatever domain Y\'s RID points at: one group, one owner', () => {
    const l = new IsolationLab(topo);
    const P = 0x4000_0000n;
    expect(l.iommu.map(l.domain(Y), 0x5000n, P, 0x1000n, RW).ok).toBe(true);
    expect(l.hostile(X).attack({ kind: 'write', addr: 0x5000n, data: enc('via-Y!') }).ok).toBe(true);
    expect(dec(l.host.phys.read(P, 6))).toBe('via-Y!');
  });

  it('splitting them (attaching the shared RID to a second domain behind the group\'s back) is an invariant violation', () => {
    const l = new IsolationLab(topo);
    expect(checkInvariants(l.host).violations).toEqual([]);
    l.iommu.attach(0x0200, l.iommu.allocDomain('DMA'));
    expect(checkInvariants(l.host).violations.map((v) => v.rule)).toContain('context-coherent');
  });

  it('VFIO takes the whole group: with Y driverless, X\'s group attaches and both RIDs move to the user\'s domain', () => {
    const l = new IsolationLab(topo);
    l.host.bind(X, 'vfio-pci');
    const { p, container, group } = vfioGroup(l, X);
    attachContainer(p, group, container);
    expect(l.iommu.contextOf(0x0200)?.domain?.type).toBe('unmanaged');
    expect(l.group(Y).domain?.type).toBe('unmanaged');
  });
});

describe('T9: an ACS override that lies', () => {
  const B_LIVENESS = 0xe010_0000n + BigInt(EDU.LIVENESS);

  it('vulnerable: with the quirk both algorithms give A and B their own groups, yet A\'s write reaches B across the switch', () => {
    for (const grouping of ['classic', 'bus-isolation'] as const) {
      const l = new IsolationLab(sw2Topology({ dspAcs: [], acsQuirk: 'isolated', grouping, driverB: 'nvme' }));
      const g = groupTable(l.host);
      expect(g.groupOf(SW2.A)).not.toBe(g.groupOf(SW2.B));
      l.enable(SW2.B);
      const r = l.hostile(SW2.A).attack({ kind: 'write', addr: B_LIVENESS, data: new Uint8Array([0x78, 0x56, 0x34, 0x12]) });
      expect(r.ok).toBe(true);
      expect(l.model(SW2.B).barRead(0, EDU.LIVENESS, 4)).toBe(BigInt(~0x1234_5678 >>> 0));
      expect(l.fabric.eventLog()[0]).toMatchObject({ kind: 'p2p', via: 'switch', source: SW2.A, target: SW2.B });
      expect(l.host.faults()).toEqual([]);
      expect(checkInvariants(l.host).exposures).toContainEqual(expect.objectContaining({ kind: 'p2p', device: SW2.A }));
    }
  });

  it('protected: without the lie, bus-isolation grouping puts A and B together and VFIO refuses A while B has a kernel driver (EPERM)', () => {
    const l = new IsolationLab(sw2Topology({ dspAcs: [], grouping: 'bus-isolation', driverB: 'nvme' }));
    const g = groupTable(l.host);
    expect(g.groupOf(SW2.A)).toBe(g.groupOf(SW2.B));
    l.host.bind(SW2.A, 'vfio-pci');
    const { p, container, group } = vfioGroup(l, SW2.A);
    expect(errnoOf(() => p.ioctl(group, uapi.VFIO_GROUP_SET_CONTAINER, container))).toBe('EPERM');
  });
});

describe('T10: a host driver inside a user-owned group', () => {
  // 01:00.0 "GPU" and 01:00.1 "audio": one multifunction device without ACS, one group;
  // 00:1f.3 is another audio device, bound to snd_hda_intel at boot
  const topo = (audioDriver: string | null) => ({
    name: 't10', ramBytes: '0x100000000',
    pci: [
      { bdf: '0000:00:00.0', type: 'host-bridge' },
      { bdf: '0000:00:01.0', type: 'root-port', acs: ['SV', 'RR', 'CR', 'UF'], children: [
        { bdf: '0000:01:00.0', type: 'endpoint', multifunction: true, model: 'edu', bars: [{ index: 0, size: '0x100000', address: '0xe0000000' }] },
        { bdf: '0000:01:00.1', type: 'endpoint', multifunction: true, class: '0x040300', driver: audioDriver, bars: [{ index: 0, size: '0x4000', address: '0xe0100000' }] },
      ] },
      { bdf: '0000:00:1f.3', type: 'rciep', class: '0x040300', driver: 'snd_hda_intel', bars: [{ index: 0, size: '0x4000', address: '0xe0200000' }] },
    ],
  });
  const GPU = '0000:01:00.0';
  const AUDIO = '0000:01:00.1';

  it('(a) once the group is in a container, binding snd_hda_intel to the audio function fails EBUSY and it stays unbound', () => {
    const l = new IsolationLab(topo(null));
    l.host.bind(GPU, 'vfio-pci');
    const { p, container, group } = vfioGroup(l, GPU);
    p.ioctl(group, uapi.VFIO_GROUP_SET_CONTAINER, container);
    expect(errnoOf(() => l.host.bind(AUDIO, 'snd_hda_intel'))).toBe('EBUSY');
    expect(pciDevice(l.host, AUDIO).driver).toBeNull();
    expect(l.group(AUDIO).owner).not.toBeNull();
  });

  it('(b) with snd_hda_intel bound first the group is not viable and SET_CONTAINER fails EPERM', () => {
    const l = new IsolationLab(topo('snd_hda_intel'));
    l.host.bind(GPU, 'vfio-pci');
    const { p, container, group } = vfioGroup(l, GPU);
    const st = { argsz: uapi.sizeofStruct('vfio_group_status'), flags: 0 };
    p.ioctl(group, uapi.VFIO_GROUP_GET_STATUS, st);
    expect(st.flags & uapi.VFIO_GROUP_FLAGS_VIABLE).toBe(0);
    expect(errnoOf(() => p.ioctl(group, uapi.VFIO_GROUP_SET_CONTAINER, container))).toBe('EPERM');
  });

  it('why it matters: in the container, the audio function\'s DMA is translated by the user\'s domain', () => {
    const l = new IsolationLab(topo(null));
    l.host.bind(GPU, 'vfio-pci');
    const { p, container, group } = vfioGroup(l, GPU);
    attachContainer(p, group, container);
    expect(l.iommu.contextOf(0x0101)?.domain).toBe(l.iommu.contextOf(0x0100)?.domain);
    expect(l.iommu.contextOf(0x0101)?.domain?.type).toBe('unmanaged');
  });
});

describe('T12: the pre-IOMMU boot window', () => {
  /** SW2 whose IOMMU starts translating `enabledAtNs` after power-on (VT-d: GCMD.TE). */
  const lab = (enabledAtNs?: bigint): IsolationLab => {
    const topo = sw2Topology();
    if (enabledAtNs === undefined) return new IsolationLab(topo);
    return new IsolationLab({ ...topo, iommu: { ...(topo['iommu'] as object), enabledAtNs: `0x${enabledAtNs.toString(16)}` } });
  };

  it('vulnerable: before translation is enabled (t=50 ms of 100 ms) the device writes physical memory; after it, the same write faults', () => {
    const l = lab(100_000_000n);
    const h = l.hostile(SW2.A);
    l.host.advance(50_000_000n);
    expect(l.fabric.translating).toBe(false);
    expect(h.attack({ kind: 'write', addr: 0x1_0000n, data: enc('boot-dma') }).ok).toBe(true);
    expect(dec(l.host.phys.read(0x1_0000n, 8))).toBe('boot-dma');
    expect(l.host.faults()).toEqual([]);
    l.host.advance(100_000_000n);
    expect(l.fabric.translating).toBe(true);
    expect(h.attack({ kind: 'write', addr: 0x1_0000n, data: enc('too-late') }).ok).toBe(false);
    expect(l.host.faults()[0]).toMatchObject({ rid: 0x0300, code: 0x5, iova: 0x1_0000n });
    expect(dec(l.host.phys.read(0x1_0000n, 8))).toBe('boot-dma');
  });

  it('protected (DMA protection from the first instruction): the t=50 ms write already faults', () => {
    const l = lab();
    l.host.advance(50_000_000n);
    expect(l.hostile(SW2.A).attack({ kind: 'write', addr: 0x1_0000n, data: enc('boot-dma') }).ok).toBe(false);
    expect(l.host.phys.read(0x1_0000n, 8)).toEqual(new Uint8Array(8));
  });
});

describe('T13: direct-mapped (RMRR) regions', () => {
  const topo = {
    name: 't13', ramBytes: '0x100000000', iommu: { platform: 'intel' },
    pci: [
      { bdf: '0000:00:00.0', type: 'host-bridge' },
      { bdf: '0000:00:14.0', type: 'rciep', model: 'edu', class: '0x0c0330', bars: [{ index: 0, size: '0x100000', address: '0xe0000000' }], reservedRegions: [{ start: '0x7a000000', end: '0x7a0fffff' }] },
      { bdf: '0000:00:17.0', type: 'rciep', model: 'edu', class: '0x010601', bars: [{ index: 0, size: '0x100000', address: '0xe0100000' }], reservedRegions: [{ start: '0x7b000000', end: '0x7b0fffff' }] },
    ],
  };
  const USB = '0000:00:14.0';
  const SATA = '0000:00:17.0';

  it('reserved_regions shows direct-relaxable for the USB controller and direct for the SATA controller', () => {
    const l = new IsolationLab(topo);
    const p = l.host.spawn();
    const show = (bdf: string) => p.readFile(`/sys/kernel/iommu_groups/${groupIdOf(p, bdf)}/reserved_regions`);
    expect(show(USB)).toContain('0x000000007a000000 0x000000007a0fffff direct-relaxable');
    expect(show(SATA)).toContain('0x000000007b000000 0x000000007b0fffff direct');
  });

  it('protected: a non-relaxable RMRR keeps the SATA controller out of a VFIO container (EPERM at attach)', () => {
    const l = new IsolationLab(topo);
    l.host.bind(SATA, 'vfio-pci');
    const { p, container, group } = vfioGroup(l, SATA);
    p.ioctl(group, uapi.VFIO_GROUP_SET_CONTAINER, container);
    expect(errnoOf(() => p.ioctl(container, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU))).toBe('EPERM');
    expect(l.group(SATA).domain?.type).not.toBe('unmanaged');
  });

  it('the hole: the USB controller attaches, and the RMRR range is not reserved in the user\'s IOVA space', () => {
    const l = new IsolationLab(topo);
    l.host.bind(USB, 'vfio-pci');
    const { p, container, group } = vfioGroup(l, USB);
    attachContainer(p, group, container);
    const vaddr = anonBuffer(p, 0x1000n);
    p.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, {
      argsz: uapi.sizeofStruct('vfio_iommu_type1_dma_map'), flags: uapi.VFIO_DMA_MAP_FLAG_READ | uapi.VFIO_DMA_MAP_FLAG_WRITE, vaddr, iova: 0x7a00_0000n, size: 0x1000n,
    });
    expect(l.iommu.contextOf(0x00a0)?.domain?.type).toBe('unmanaged');
  });
});

/**
 * The isolation invariant checker: clean on legitimate use, and each rule fires when the
 * state it guards is broken behind the kernel's back.
 */
import { describe, expect, it } from 'vitest';
import { Host } from '../../src/host/host.js';
import { checkInvariants } from '../../src/testing/invariants.js';
import { IsolationLab } from '../../src/testing/lab.js';
import { SW2, sw2Topology } from '../../src/testing/reference-switch.js';
import { barRead32, barWrite32, mapDma, openVfio } from '../../src/testing/session.js';
import { HOSTILE } from '../../src/hardware/devices/hostile.js';
import * as uapi from '../../src/uapi/index.js';
import { freeFrameExtents, tasks } from '../support/kernel-state.js';

const rules = (h: Host) => checkInvariants(h).violations.map((v) => v.rule);

describe('isolation invariants', () => {
  it('hold on the default machine at boot and through a VFIO session', () => {
    const host = new Host();
    expect(checkInvariants(host)).toMatchObject({ violations: [] });
    const s = openVfio(host, '0000:06:00.0');
    expect(rules(host)).toEqual([]);
    mapDma(s, 0n, 0x10_0000n);
    expect(rules(host)).toEqual([]);
    s.p.ioctl(s.container, uapi.VFIO_IOMMU_UNMAP_DMA, { argsz: uapi.sizeofStruct('vfio_iommu_type1_dma_unmap'), flags: 0, iova: 0n, size: 0x10_0000n });
    expect(rules(host)).toEqual([]);
    for (const fd of [s.device, s.group, s.container]) s.p.close(fd);
    expect(rules(host)).toEqual([]);
  });

  it('report a P2P exposure between differently owned functions behind a switch without ACS', () => {
    const lab = new IsolationLab(sw2Topology({ dspAcs: [], driverB: 'nvme' }));
    openVfio(lab.host, SW2.A);
    const r = checkInvariants(lab.host);
    expect(r.violations).toEqual([]);
    expect(r.exposures).toContainEqual(expect.objectContaining({ kind: 'p2p', device: SW2.A }));
    const safe = new IsolationLab(sw2Topology({ driverB: 'nvme' }));
    openVfio(safe.host, SW2.A);
    expect(checkInvariants(safe.host).exposures.filter((e) => e.kind === 'p2p')).toEqual([]);
  });

  it('a hostile device under VFIO only reaches what its user mapped', () => {
    const lab = new IsolationLab(sw2Topology({ driverB: 'nvme' }));
    const s = openVfio(lab.host, SW2.A);
    const vaddr = mapDma(s, 0x10000n, 0x1000n);
    s.p.writeMem(vaddr, new TextEncoder().encode('mine'));
    const go = (addr: bigint, cmd: number): number => {
      barWrite32(s, 0, HOSTILE.ADDR, Number(addr & 0xffff_ffffn));
      barWrite32(s, 0, HOSTILE.ADDR + 4, Number(addr >> 32n));
      barWrite32(s, 0, HOSTILE.LEN, 4);
      barWrite32(s, 0, HOSTILE.CMD, cmd);
      return barRead32(s, 0, HOSTILE.STATUS);
    };
    expect(go(0x10000n, HOSTILE.CMD_READ)).toBe(HOSTILE.ST_OK);
    expect(barRead32(s, 0, HOSTILE.BUF)).toBe(0x656e696d); // "mine"
    expect(go(0x20000n, HOSTILE.CMD_READ)).toBe(HOSTILE.ST_FAULT);
    expect(go(0xe010_0000n, HOSTILE.CMD_WRITE)).toBe(HOSTILE.ST_FAULT);
    expect(lab.host.faults().map((f) => f.code)).toEqual([0x6, 0x5]);
    expect(checkInvariants(lab.host).violations).toEqual([]);
  });

  it('flag a group whose RIDs point elsewhere (context-coherent)', () => {
    const lab = new IsolationLab(sw2Topology());
    lab.iommu.attach(0x0300, lab.iommu.allocDomain('unmanaged'));
    expect(rules(lab.host)).toContain('context-coherent');
  });

  it('flag a user-owned domain mapping a freed frame (no-freed-page) and a stale IOTLB entry (no-stale-iotlb)', () => {
    const lab = new IsolationLab(sw2Topology());
    const g = lab.group(SW2.A);
    g.claimDmaOwner({});
    const d = lab.iommu.allocDomain('unmanaged');
    g.attachDomain(d);
    const free = freeFrameExtents(lab.host)[0]![0];
    lab.iommu.map(d, 0n, BigInt(free) << 12n, 0x1000n, { read: true, write: true });
    expect(rules(lab.host)).toEqual(['no-freed-page']);
    lab.hostile(SW2.A).attack({ kind: 'read', addr: 0n, len: 4 });
    d.pageTable.unmap(0n, 0x1000n); // behind the IOMMU's back: no invalidation
    expect(rules(lab.host)).toEqual(['no-stale-iotlb']);
  });

  it('flag an owned group still on its default domain (owned-not-default)', () => {
    const lab = new IsolationLab(sw2Topology());
    const g = lab.group(SW2.A);
    g.owner = {};
    g.ownerCount = 1;
    expect(rules(lab.host)).toContain('owned-not-default');
  });

  it('flag memlock over the limit and released files in fd tables', () => {
    const host = new Host();
    const p = host.spawn({ uid: 1000, rlimitMemlock: 4096n });
    const t = tasks(host).at(-1)!;
    t.mm.lockedVm = 2n;
    expect(rules(host)).toContain('memlock-limit');
    t.mm.lockedVm = 0n;
    const fd = p.open('/dev/vfio/vfio');
    t.file(fd)!.released = true;
    expect(rules(host)).toEqual(['fd-live']);
  });
});

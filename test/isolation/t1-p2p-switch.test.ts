/**
 * T1 — P2P DMA across a switch (spec topology-groups-iommu.md §4.3): whether A's write to
 * B's BAR reaches B depends on the downstream ports' ACS, never on the IOMMU.
 */
import { describe, expect, it } from 'vitest';
import { IsolationLab } from '../../src/testing/lab.js';
import { SW2, sw2Topology } from '../../src/testing/reference-switch.js';
import { EDU } from '../../src/hardware/devices/edu.js';
import { groupTable } from '../support/kernel-state.js';

const B_LIVENESS = 0xe010_0000n + BigInt(EDU.LIVENESS);

function word(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, true);
  return b;
}

describe('T1: peer-to-peer across a switch', () => {
  it('without ACS on the downstream ports, A writes B\'s register and the IOMMU never sees it', () => {
    const lab = new IsolationLab(sw2Topology({ dspAcs: [] }));
    lab.enable(SW2.B);
    const r = lab.hostile(SW2.A).attack({ kind: 'write', addr: B_LIVENESS, data: word(0x1234_5678) });
    expect(r.ok).toBe(true);
    expect(lab.model(SW2.B).barRead(0, EDU.LIVENESS, 4)).toBe(BigInt(~0x1234_5678 >>> 0));
    expect(lab.host.faults()).toEqual([]);
    const ev = lab.fabric.eventLog();
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ kind: 'p2p', source: SW2.A, target: SW2.B, via: 'switch', access: 'write' });
  });

  it('classic grouping still puts A and B in different groups (the known hole)', () => {
    const lab = new IsolationLab(sw2Topology({ dspAcs: [] }));
    const g = groupTable(lab.host);
    expect(g.groupOf(SW2.A)).not.toBe(g.groupOf(SW2.B));
  });

  it('bus-isolation grouping puts A and B in one group', () => {
    const lab = new IsolationLab(sw2Topology({ dspAcs: [], grouping: 'bus-isolation' }));
    const g = groupTable(lab.host);
    expect(g.groupOf(SW2.A)).toBe(g.groupOf(SW2.B));
  });

  it('with RR on the downstream ports, the write is redirected to the IOMMU and faults 0x5 with A\'s RID', () => {
    const lab = new IsolationLab(sw2Topology());
    lab.enable(SW2.B);
    lab.model(SW2.B).barWrite(0, EDU.LIVENESS, 4, 0n);
    const r = lab.hostile(SW2.A).attack({ kind: 'write', addr: 0xe010_1000n, data: word(0xdeadbeef) });
    expect(r.ok).toBe(false);
    const f = lab.host.faults();
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ source: SW2.A, rid: 0x0300, iova: 0xe010_1000n, access: 'write', code: 0x5 });
    expect(lab.fabric.eventLog()).toEqual([]);
    expect(lab.model(SW2.B).barRead(0, EDU.LIVENESS, 4)).toBe(0xffff_ffffn);
  });
});

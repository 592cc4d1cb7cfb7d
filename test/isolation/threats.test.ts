/**
 * The threat catalogue (spec topology-groups-iommu.md §4.3) at the hardware level: each
 * case stages the attack with the hostile device and checks the outcome in the vulnerable
 * and in the protected configuration — blocked by what, or possible because of what.
 */
import { describe, expect, it } from 'vitest';
import { IsolationLab } from '../../src/testing/lab.js';
import { SW2, sw2Topology, type Sw2Options } from '../../src/testing/reference-switch.js';
import { remappableAddress } from '../../src/hardware/iommu/interrupt-remap.js';
import { groupTable } from '../support/kernel-state.js';

const RW = { read: true, write: true } as const;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);

function lab(o: Sw2Options = {}): IsolationLab {
  return new IsolationLab(sw2Topology(o));
}

describe('T2: P2P between functions of one multifunction device', () => {
  const mf = (internalP2P?: boolean) => ({
    name: 't2', ramBytes: '0x100000000',
    pci: [
      { bdf: '0000:00:00.0', type: 'host-bridge' },
      { bdf: '0000:00:1c.0', type: 'root-port', acs: ['SV', 'RR', 'CR', 'UF'], children: [
        { bdf: '0000:01:00.0', type: 'endpoint', multifunction: true, model: 'hostile', ...(internalP2P === undefined ? {} : { internalP2P }), bars: [{ index: 0, size: '0x4000', address: '0xe0000000' }] },
        { bdf: '0000:01:00.1', type: 'endpoint', multifunction: true, model: 'edu', bars: [{ index: 0, size: '0x100000', address: '0xe0100000' }] },
      ] },
    ],
  });

  it('a function without ACS reaches its sibling\'s BAR inside the device; the grouping is the defence', () => {
    const l = new IsolationLab(mf());
    l.enable('0000:01:00.1');
    const r = l.hostile('0000:01:00.0').attack({ kind: 'write', addr: 0xe010_0004n, data: new Uint8Array([1, 0, 0, 0]) });
    expect(r.ok).toBe(true);
    expect(l.fabric.eventLog()[0]).toMatchObject({ kind: 'p2p', via: 'internal', target: '0000:01:00.1' });
    expect(l.host.faults()).toEqual([]);
    const g = groupTable(l.host);
    expect(g.groupOf('0000:01:00.0')).toBe(g.groupOf('0000:01:00.1'));
  });

  it('with internalP2P off (an mf_endpoint quirk device) the write goes upstream and faults', () => {
    const l = new IsolationLab(mf(false));
    const r = l.hostile('0000:01:00.0').attack({ kind: 'write', addr: 0xe010_0004n, data: new Uint8Array(4) });
    expect(r.ok).toBe(false);
    expect(l.host.faults()[0]).toMatchObject({ rid: 0x0100, code: 0x5 });
  });
});

describe('T3: requester-id spoofing', () => {
  function staged(dspAcs: NonNullable<Sw2Options['dspAcs']>): { l: IsolationLab; q: bigint } {
    const l = lab({ dspAcs });
    const q = 0x5000_0000n;
    expect(l.iommu.map(l.domain(SW2.B), 0x1000n, q, 0x1000n, RW).ok).toBe(true);
    return { l, q };
  }

  it('without SV a forged RID of B uses B\'s context and the write lands in B\'s memory', () => {
    const { l, q } = staged(['RR', 'CR', 'UF']);
    const r = l.hostile(SW2.A).attack({ kind: 'write', addr: 0x1000n, data: enc('forged!!'), rid: 0x0400 });
    expect(r.ok).toBe(true);
    expect(dec(l.host.phys.read(q, 8))).toBe('forged!!');
    expect(l.host.faults()).toEqual([]);
  });

  it('with SV on A\'s downstream port the packet is dropped as an ACS violation, not an IOMMU fault', () => {
    const { l, q } = staged(['SV', 'RR', 'CR', 'UF']);
    const r = l.hostile(SW2.A).attack({ kind: 'write', addr: 0x1000n, data: enc('forged!!'), rid: 0x0400 });
    expect(r.ok).toBe(false);
    expect(!r.ok && 'dropped' in r && r.dropped).toMatchObject({ kind: 'acs-violation', target: SW2.DSP_A, via: 'SV' });
    expect(l.host.faults()).toEqual([]);
    expect(l.host.phys.read(q, 8)).toEqual(new Uint8Array(8));
  });

  it('SV is bus-granular: a forged RID on A\'s own bus passes the port and reaches the IOMMU', () => {
    const { l } = staged(['SV', 'RR', 'CR', 'UF']);
    const r = l.hostile(SW2.A).attack({ kind: 'write', addr: 0x1000n, data: enc('x'), rid: 0x0301 });
    expect(r.ok).toBe(false);
    expect(l.fabric.eventLog()).toEqual([]);
    expect(l.host.faults()[0]).toMatchObject({ rid: 0x0301, code: 0x2 });
  });
});

describe('T5: sub-page exposure', () => {
  it('a mapped 1536-byte buffer exposes the rest of its 4 KiB page, both ways', () => {
    const l = lab();
    const P = 0x1_2345_6000n;
    const secret = enc('callback');
    l.host.phys.write(P + 0xec0n, secret);
    expect(l.iommu.map(l.domain(SW2.A), 0xfff0_0000n, P, 0x1000n, RW).ok).toBe(true);
    const h = l.hostile(SW2.A);
    const leak = h.attack({ kind: 'read', addr: 0xfff0_0000n, len: 4096 });
    expect(leak.ok && dec(leak.data?.subarray(0xec0, 0xec8))).toBe('callback');
    expect(h.attack({ kind: 'write', addr: 0xfff0_0ec0n, data: enc('EVILEVIL') }).ok).toBe(true);
    expect(dec(l.host.phys.read(P + 0xec0n, 8))).toBe('EVILEVIL');
    expect(l.host.faults()).toEqual([]);
  });
});

describe('T6: deferred IOTLB invalidation window', () => {
  function run(o: Sw2Options, touchFirst = true) {
    const l = lab(o);
    const P = 0x4000_0000n;
    const h = l.hostile(SW2.A);
    const d = l.domain(SW2.A);
    expect(l.iommu.map(d, 0x2000n, P, 0x1000n, RW).ok).toBe(true);
    if (touchFirst) expect(h.attack({ kind: 'write', addr: 0x2000n, data: enc('x') }).ok).toBe(true);
    l.host.advance(1_000_000n);
    expect(l.iommu.unmap(d, 0x2000n, 0x1000n)).toEqual({ ok: true, value: 0x1000n });
    l.host.phys.write(P, enc('K-secret'));
    l.host.advance(1_000_000n);
    const read = h.attack({ kind: 'read', addr: 0x2000n, len: 8 });
    const write = h.attack({ kind: 'write', addr: 0x2000n, data: enc('EVIL') });
    return { l, P, h, d, read, write };
  }

  it('lazy (DMA-FQ) domain: a cached translation keeps working after unmap until the flush', () => {
    const { l, P, h, d, read, write } = run({ invalidation: 'lazy' });
    expect(d.type).toBe('DMA-FQ');
    expect(read.ok && dec(read.data)).toBe('K-secret');
    expect(write.ok).toBe(true);
    expect(dec(l.host.phys.read(P, 4))).toBe('EVIL');
    l.host.advance(10_000_000n);
    const late = h.attack({ kind: 'write', addr: 0x2000n, data: enc('EVIL') });
    expect(late.ok).toBe(false);
    expect(l.host.faults().at(-1)).toMatchObject({ code: 0x5, iova: 0x2000n });
  });

  it('lazy but nothing cached: the window needs a cached translation', () => {
    const { read, write } = run({ invalidation: 'lazy' }, false);
    expect(read.ok).toBe(false);
    expect(write.ok).toBe(false);
  });

  it('strict domain: unmap invalidates synchronously; read faults 0x6, write 0x5, K intact', () => {
    const { l, P, read, write } = run({ invalidation: 'strict' });
    expect(read.ok).toBe(false);
    expect(write.ok).toBe(false);
    expect(l.host.faults().map((f) => f.code)).toEqual([0x6, 0x5]);
    expect(dec(l.host.phys.read(P, 8))).toBe('K-secret');
  });

  it('an untrusted device is forced strict even on a lazy machine', () => {
    const { d, read } = run({ invalidation: 'lazy', untrusted: true });
    expect(d.type).toBe('DMA');
    expect(read.ok).toBe(false);
  });

  it('a VFIO-style unmanaged domain is strict on a lazy machine', () => {
    const l = lab({ invalidation: 'lazy' });
    const g = l.group(SW2.A);
    const owner = {};
    expect(g.claimDmaOwner(owner).ok).toBe(true);
    const u = l.iommu.allocDomain('unmanaged');
    expect(u.lazyFlush).toBe(false);
    expect(g.attachDomain(u).ok).toBe(true);
    const h = l.hostile(SW2.A);
    l.iommu.map(u, 0x2000n, 0x4000_0000n, 0x1000n, RW);
    expect(h.attack({ kind: 'write', addr: 0x2000n, data: enc('x') }).ok).toBe(true);
    l.iommu.unmap(u, 0x2000n, 0x1000n);
    expect(h.attack({ kind: 'read', addr: 0x2000n, len: 8 }).ok).toBe(false);
  });
});

describe('T7: ATS translated requests and a stale ATC', () => {
  function trusted(o: Sw2Options = {}): IsolationLab {
    // A is ATS-capable and not untrusted: the kernel enabled the device TLB in its context
    // entry when it attached the default domain (pci_ats_supported) — no manual setup
    const l = lab({ atsCapable: true, ...o });
    expect(l.iommu.contextOf(0x0300)?.atsAllowed).toBe(true);
    return l;
  }

  it('(a) a translated request is forwarded unchecked to any physical address', () => {
    const l = trusted();
    const r = l.hostile(SW2.A).attack({ kind: 'write', addr: 0x10_0000n, data: enc('pwned'), at: 'translated' });
    expect(r.ok).toBe(true);
    expect(dec(l.host.phys.read(0x10_0000n, 5))).toBe('pwned');
  });

  it('(b) a device that ignores the ATS invalidation keeps writing after a strict unmap', () => {
    const l = trusted();
    const P = 0x4000_0000n;
    const d = l.domain(SW2.A);
    l.iommu.map(d, 0x3000n, P, 0x1000n, RW);
    const h = l.hostile(SW2.A);
    expect(h.translate(0x3000n).ok).toBe(true);
    l.iommu.unmap(d, 0x3000n, 0x1000n);
    expect(h.atsInvalidate(0x3000n, 0x1000n)).toBe(false);
    expect(h.writeTranslated(0x3010n, enc('stale'))?.ok).toBe(true);
    expect(dec(l.host.phys.read(P + 0x10n, 5))).toBe('stale');
  });

  it('protected: an untrusted ATS-capable device never gets ATS; translated requests and translation requests fault 0xD', () => {
    const l = lab({ atsCapable: true, untrusted: true });
    expect(l.iommu.contextOf(0x0300)?.atsAllowed).toBe(false);
    const h = l.hostile(SW2.A);
    const r = h.attack({ kind: 'write', addr: 0x10_0000n, data: enc('pwned'), at: 'translated' });
    expect(r.ok).toBe(false);
    expect(l.host.faults()[0]).toMatchObject({ code: 0xd });
    expect(h.translate(0x3000n).ok).toBe(false);
    expect(l.host.faults()[1]).toMatchObject({ code: 0xd, at: 'translation-request' });
    expect(l.host.phys.read(0x10_0000n, 5)).toEqual(new Uint8Array(5));
  });

  it('protected: a function without the ATS capability gets no ATS either (0xD)', () => {
    const l = lab();
    expect(l.iommu.contextOf(0x0300)?.atsAllowed).toBe(false);
    const r = l.hostile(SW2.A).attack({ kind: 'write', addr: 0x10_0000n, data: enc('pwned'), at: 'translated' });
    expect(r.ok).toBe(false);
    expect(l.host.faults()[0]).toMatchObject({ code: 0xd });
  });

  it('ATS stays enabled when VFIO moves the group to a user domain (the context is reprogrammed with it)', () => {
    const l = lab({ atsCapable: true });
    const g = l.group(SW2.A);
    expect(g.claimDmaOwner({}).ok).toBe(true);
    const u = l.iommu.allocDomain('unmanaged');
    expect(g.attachDomain(u).ok).toBe(true);
    expect(l.iommu.contextOf(0x0300)).toMatchObject({ mode: 'translate', atsAllowed: true });
  });

  it('protected: TB on the downstream port drops translated requests and translation requests', () => {
    const l = trusted({ dspAcs: ['SV', 'TB', 'RR', 'CR', 'UF'] });
    const h = l.hostile(SW2.A);
    const r = h.attack({ kind: 'write', addr: 0x10_0000n, data: enc('pwned'), at: 'translated' });
    expect(!r.ok && 'dropped' in r && r.dropped?.via).toBe('TB');
    const t = h.translate(0x3000n);
    expect(!t.ok && 'dropped' in t && t.dropped?.via).toBe('TB');
    expect(l.host.faults()).toEqual([]);
    expect(l.host.phys.read(0x10_0000n, 5)).toEqual(new Uint8Array(5));
  });
});

describe('T8: MSI spoofing', () => {
  it('without interrupt remapping a device injects any vector to any CPU', () => {
    const l = lab({ interruptRemapping: false });
    expect(l.hostile(SW2.A).msi(0xfee0_1000n, 0xec).ok).toBe(true);
    expect(l.msis).toHaveLength(1);
    expect(l.msis[0]).toMatchObject({ vector: 0xec, destination: 1, remapped: false, rid: 0x0300 });
  });

  it('with remapping a compatibility-format message faults 0x25 and nothing is delivered', () => {
    const l = lab();
    const r = l.hostile(SW2.A).msi(0xfee0_1000n, 0xec);
    expect(r.ok).toBe(false);
    expect(l.host.faults()[0]).toMatchObject({ code: 0x25 });
    expect(l.msis).toEqual([]);
  });

  it('with remapping another device\'s IRTE fails source-id verification (0x26) — unless the RID is forged without SV', () => {
    const l = lab({ dspAcs: ['RR', 'CR', 'UF'] });
    const idx = l.iommu.irt!.allocate({ vector: 0x41, destination: 2, sourceRid: 0x0400 })!;
    const h = l.hostile(SW2.A);
    expect(h.msi(BigInt(remappableAddress(idx)), 0).ok).toBe(false);
    expect(l.host.faults()[0]).toMatchObject({ code: 0x26 });
    expect(h.msi(BigInt(remappableAddress(idx)), 0, 0x0400).ok).toBe(true);
    expect(l.msis[0]).toMatchObject({ vector: 0x41, destination: 2, remapped: true });
  });
});

describe('T11: no translation', () => {
  const payload = enc('anywhere');

  it('an identity default domain lets the device write any physical address', () => {
    const l = lab();
    const g = l.group(SW2.A);
    const id = l.iommu.allocDomain('identity');
    for (const rid of g.rids) l.iommu.attach(rid, id);
    expect(l.hostile(SW2.A).attack({ kind: 'write', addr: 0x1_0000n, data: payload }).ok).toBe(true);
    expect(dec(l.host.phys.read(0x1_0000n, 8))).toBe('anywhere');
  });

  it('a machine without an IOMMU lets the device write any physical address', () => {
    const l = new IsolationLab({ ...sw2Topology(), iommu: null });
    expect(l.hostile(SW2.A).attack({ kind: 'write', addr: 0x1_0000n, data: payload }).ok).toBe(true);
    expect(dec(l.host.phys.read(0x1_0000n, 8))).toBe('anywhere');
  });

  it('protected: the default translated domain faults', () => {
    const l = lab();
    expect(l.hostile(SW2.A).attack({ kind: 'write', addr: 0x1_0000n, data: payload }).ok).toBe(false);
    expect(l.host.faults()[0]).toMatchObject({ rid: 0x0300, code: 0x5 });
  });
});

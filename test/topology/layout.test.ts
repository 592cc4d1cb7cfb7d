/** RAM layout around the MMIO hole, firmware-style BAR placement, and model defaults. */
import { describe, expect, it } from 'vitest';
import { parseTopology, ramLayout } from '../../src/hardware/topology/index.js';
import { fixtureJson } from '../groups/fixtures.js';

describe('RAM layout (contract §7)', () => {
  it('splits x86 RAM around [0xC0000000, 4 GiB)', () => {
    expect(ramLayout(0x4_0000_0000n, 'intel').map((r) => [r.start, r.end])).toEqual([[0n, 0xbfff_ffffn], [0x1_0000_0000n, 0x4_3fff_ffffn]]);
    expect(ramLayout(0x8000_0000n, 'amd').map((r) => [r.start, r.end])).toEqual([[0n, 0x7fff_ffffn]]);
  });
  it('keeps arm RAM contiguous', () => {
    expect(ramLayout(0x4_0000_0000n, 'arm').map((r) => [r.start, r.size])).toEqual([[0n, 0x4_0000_0000n]]);
  });
  it('uses the intel memory map for a machine without an IOMMU', () => {
    const t = parseTopology({ name: 'n', ramBytes: '0x200000000', iommu: null, pci: [] });
    expect(t.iommu).toBeNull();
    expect(t.ramRanges).toHaveLength(2);
  });
});

describe('BAR placement', () => {
  const json = fixtureJson('default');
  const a = parseTopology(json), b = parseTopology(structuredClone(json));

  it('is deterministic', () => {
    const dump = (t: typeof a) => t.functions.map((f) => [f.bdf, f.bars.map((x) => x.address), f.windows]);
    expect(dump(a)).toEqual(dump(b));
  });

  it('puts 32-bit BARs in the hole, 64-bit prefetchable above RAM, each naturally aligned', () => {
    for (const f of a.functions) {
      for (const bar of f.bars) {
        expect(bar.address % bar.size).toBe(0n);
        if (bar.io) expect(bar.address + bar.size).toBeLessThanOrEqual(0x1_0000n);
        else if (bar.prefetchable && bar.is64) expect(bar.address).toBeGreaterThanOrEqual(0x4_4000_0000n);
        else {
          expect(bar.address).toBeGreaterThanOrEqual(0xc000_0000n);
          expect(bar.address + bar.size - 1n).toBeLessThanOrEqual(0xfebf_ffffn);
        }
      }
    }
  });

  it('places every BAR inside its parent bridge windows, and sibling windows do not overlap', () => {
    for (const f of a.functions) {
      for (let p = f.parent; p; p = p.parent) {
        for (const bar of f.bars) {
          const w = bar.io ? p.windows!.io : bar.prefetchable && bar.is64 ? p.windows!.prefMem : p.windows!.mem;
          expect(w, `${f.bdf} BAR${bar.index} under ${p.bdf}`).not.toBeNull();
          expect(bar.address >= w!.start && bar.address + bar.size - 1n <= w!.end).toBe(true);
        }
      }
    }
    const rps = a.rootBus.devices.filter((d) => d.windows?.mem);
    for (const x of rps) for (const y of rps) {
      if (x !== y) expect(x.windows!.mem!.end < y.windows!.mem!.start || y.windows!.mem!.end < x.windows!.mem!.start).toBe(true);
    }
  });

  it('keeps explicit addresses and steps around them', () => {
    const t = parseTopology({ name: 'x', pci: [
      { bdf: '0000:00:01.0', type: 'endpoint', bars: [{ index: 0, size: '0x100000', address: '0xc0000000' }] },
      { bdf: '0000:00:02.0', type: 'endpoint', model: 'edu' },
    ] });
    expect(t.byBdf('00:01.0')!.bars[0]).toMatchObject({ address: 0xc000_0000n, placement: 'explicit' });
    expect(t.byBdf('00:02.0')!.bars[0]).toMatchObject({ address: 0xc010_0000n, size: 0x10_0000n, placement: 'firmware' });
  });
});

describe('function defaults', () => {
  const t = parseTopology({ name: 'd', pci: [
    { bdf: '0000:00:00.0', type: 'host-bridge' },
    { bdf: '0000:00:01.0', type: 'root-port', children: [
      { bdf: '0000:01:00.0', type: 'endpoint', model: 'dma-engine', sriov: { totalVfs: 4, numVfs: 2, offset: 256, stride: 1, vfModel: 'nic' } },
    ] },
    { bdf: '0000:00:02.0', type: 'root-port' },
    { bdf: '0000:00:1f.0', type: 'endpoint' }, { bdf: '0000:00:1f.3', type: 'endpoint' },
  ] });
  it('fills ids, class and driver per type and model', () => {
    expect(t.byBdf('00:00.0')).toMatchObject({ classCode: 0x060000, headerType: 0, driver: null, isPcie: false });
    expect(t.byBdf('00:01.0')).toMatchObject({ classCode: 0x060400, headerType: 1, driver: 'pcieport', portType: 4 });
    expect(t.byBdf('01:00.0')).toMatchObject({ vendor: 0x1b36, device: 0x10f0, driver: null, resetMethods: ['flr', 'pm', 'bus'] });
    expect(t.byBdf('01:00.0')!.capabilities.msix).toMatchObject({ vectors: 4, tableOffset: 0x2000n, pbaOffset: 0x3000n });
  });
  it('derives multifunction and internal P2P from slot siblings', () => {
    expect(t.byBdf('00:1f.0')).toMatchObject({ multifunction: true, internalP2P: true });
    expect(t.byBdf('00:01.0')!.multifunction).toBe(false);
  });
  it('expands VFs onto a virtual bus after every other function, and numbers bridges around it', () => {
    const vf = t.byBdf('02:00.1')!;
    expect(vf).toMatchObject({ isVf: true, physfn: t.byBdf('01:00.0'), parent: null, device: 0x10f1, multifunction: false, resetMethods: ['flr'] });
    expect(vf.parentBus).toMatchObject({ isVirtual: true, self: null, number: 2 });
    expect(vf.parentBus.parent).toBe(t.byBdf('01:00.0')!.parentBus);
    expect(t.functions.slice(-2).map((f) => f.bdf)).toEqual(['0000:02:00.0', '0000:02:00.1']);
    expect(t.byBdf('00:01.0')).toMatchObject({ secondaryBus: 1, subordinateBus: 2 });
    expect(t.byBdf('00:02.0')).toMatchObject({ secondaryBus: 3, subordinateBus: 3 });
  });
  it('gives a lone function below a bridge a secondary bus reset', () => {
    const u = parseTopology({ name: 'r', pci: [{ bdf: '0000:00:01.0', type: 'root-port', children: [{ bdf: '0000:01:00.0', type: 'endpoint', model: 'edu' }] }] });
    expect(u.byBdf('01:00.0')!.resetMethods).toEqual(['bus']);
  });
});

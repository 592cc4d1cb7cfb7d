/**
 * Property tests over random well-formed machines: both algorithms produce a partition,
 * are deterministic, and keep together what must never be split (DMA aliases, ACS-less
 * functions of one slot, devices on one conventional bus).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveGroups, devsAreDmaAliases, REQ_ACS_FLAGS, acsEnabled } from '../../src/hardware/groups/index.js';
import { parseTopology, type Topology } from '../../src/hardware/topology/index.js';

type Acs = 'on' | 'off' | 'none' | 'quirk';
type Ep = { kind: 'ep'; fns: number; acs: 'none' | 'on'; alias: boolean; vfs: number };
type Dev =
  | Ep
  | { kind: 'switch'; dsps: { acs: Acs; dev: Ep }[] }
  | { kind: 'p2p' | 'pcib'; devs: number };
type RootItem = { kind: 'rp'; acs: Acs; mf: boolean; dev: Dev | null } | { kind: 'rootep'; dev: Dev & { kind: 'ep' } };

const acsArb = fc.constantFrom<Acs>('on', 'off', 'none', 'quirk');
const epArb = fc.record({
  kind: fc.constant('ep' as const), fns: fc.integer({ min: 1, max: 3 }),
  acs: fc.constantFrom<'none' | 'on'>('none', 'on'), alias: fc.boolean(), vfs: fc.integer({ min: 0, max: 2 }),
});
const devArb: fc.Arbitrary<Dev> = fc.oneof(
  { weight: 3, arbitrary: epArb },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('switch' as const), dsps: fc.array(fc.record({ acs: acsArb, dev: epArb }), { minLength: 1, maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('p2p' as const, 'pcib' as const), devs: fc.integer({ min: 1, max: 3 }) }) },
);
const rootArb = fc.array(fc.oneof(
  fc.record({ kind: fc.constant('rp' as const), acs: acsArb, mf: fc.boolean(), dev: fc.option(devArb, { nil: null }) }),
  fc.record({ kind: fc.constant('rootep' as const), dev: epArb }),
), { minLength: 1, maxLength: 5 });

const h2 = (n: number) => n.toString(16).padStart(2, '0');
const bdf = (bus: number, slot: number, fn: number) => `0000:${h2(bus)}:${h2(slot)}.${fn}`;
const acsFields = (a: Acs) => a === 'on' ? { acs: ['SV', 'RR', 'CR', 'UF'] }
  : a === 'off' ? { acs: ['SV', 'RR', 'CR', 'UF'], acsCtrl: [] } : a === 'quirk' ? { acsQuirk: 'isolated' } : {};

/** Turns a random shape into topology JSON, numbering buses depth-first like firmware. */
function toJson(items: RootItem[]): unknown {
  let nextBus = 1;
  const eps = (bus: number, slot: number, d: Dev & { kind: 'ep' }) => Array.from({ length: d.fns }, (_, fn) => ({
    bdf: bdf(bus, slot, fn), type: 'endpoint', ...(d.acs === 'on' ? { acs: ['SV', 'RR', 'CR', 'UF'] } : {}),
    ...(d.alias && d.fns > 1 && fn === 0 ? { dmaAliases: [`${h2(slot)}.1`] } : {}),
    ...(d.vfs > 0 && d.fns === 1 ? { sriov: { totalVfs: 2, numVfs: d.vfs, offset: 0x80, stride: 1 } } : {}),
  }));
  const below = (d: Dev): unknown[] => {
    const bus = nextBus++;
    if (d.kind === 'ep') return eps(bus, 0, d);
    if (d.kind === 'switch') {
      const interior = nextBus++;
      const dsps = d.dsps.map((x, i) => {
        const sec = nextBus++;
        return { bdf: bdf(interior, i, 0), type: 'switch-downstream', ...acsFields(x.acs), children: eps(sec, 0, x.dev) };
      });
      return [{ bdf: bdf(bus, 0, 0), type: 'switch-upstream', children: dsps }];
    }
    const sec = nextBus++;
    return [{ bdf: bdf(bus, 0, 0), type: d.kind === 'p2p' ? 'pcie-to-pci-bridge' : 'pci-bridge',
      children: Array.from({ length: d.devs }, (_, i) => ({ bdf: bdf(sec, i, 0), type: 'endpoint' })) }];
  };
  const pci: unknown[] = [];
  items.forEach((it, i) => {
    const slot = i + 1;
    if (it.kind === 'rootep') { pci.push(...eps(0, slot, it.dev)); return; }
    const fns = it.mf ? 2 : 1;
    for (let fn = 0; fn < fns; fn++) {
      const dev = fn === 0 ? it.dev : null;
      pci.push({ bdf: bdf(0, slot, fn), type: 'root-port', ...acsFields(it.acs), ...(dev ? { children: below(dev) } : {}) });
    }
  });
  return { name: 'random', ramBytes: '0x100000000', pci };
}

function partitionOf(t: Topology, algorithm: 'classic' | 'bus-isolation') {
  return deriveGroups(t, { algorithm });
}

describe('grouping properties on random machines', () => {
  it('the generator yields valid machines', () => {
    fc.assert(fc.property(rootArb, (items) => { parseTopology(toJson(items)); }), { numRuns: 200 });
  });

  for (const algorithm of ['classic', 'bus-isolation'] as const) {
    it(`${algorithm}: groups partition the functions, ids ascend and match groupOf`, () => {
      fc.assert(fc.property(rootArb, (items) => {
        const t = parseTopology(toJson(items));
        const table = partitionOf(t, algorithm);
        const all = table.groups.flatMap((g) => g.members);
        expect(new Set(all).size).toBe(all.length);
        expect([...all].sort()).toEqual(t.functions.map((f) => f.bdf).sort());
        table.groups.forEach((g, i) => {
          expect(g.id).toBe(i);
          for (const m of g.members) expect(table.groupOf(m)).toBe(g.id);
        });
      }), { numRuns: 200 });
    });

    it(`${algorithm}: is deterministic`, () => {
      fc.assert(fc.property(rootArb, (items) => {
        const json = toJson(items);
        const a = partitionOf(parseTopology(json), algorithm);
        const b = partitionOf(parseTopology(structuredClone(json)), algorithm);
        expect(b.groups).toEqual(a.groups);
      }), { numRuns: 100 });
    });

    it(`${algorithm}: DMA aliases, ACS-less slot siblings and conventional bus peers share a group`, () => {
      fc.assert(fc.property(rootArb, (items) => {
        const t = parseTopology(toJson(items));
        const table = partitionOf(t, algorithm);
        for (const a of t.functions) {
          for (const b of a.parentBus.devices) {
            if (a === b) continue;
            const aliases = devsAreDmaAliases(a, b);
            const slotPeers = a.slot === b.slot && !a.isVf && !b.isVf &&
              !acsEnabled(a, REQ_ACS_FLAGS) && !acsEnabled(b, REQ_ACS_FLAGS);
            const conventionalPeers = !a.isPcie && !b.isPcie && !a.parentBus.isRoot;
            if (aliases || slotPeers || conventionalPeers) {
              expect(table.groupOf(a.bdf), `${a.bdf} / ${b.bdf}`).toBe(table.groupOf(b.bdf));
            }
          }
        }
      }), { numRuns: 300 });
    });
  }

  it('bus-isolation is order-independent: any probe order gives the same partition', () => {
    fc.assert(fc.property(rootArb, fc.integer(), (items, seed) => {
      const t = parseTopology(toJson(items));
      const order = [...t.functions.map((f) => f.bdf)];
      let s = seed >>> 0;
      for (let i = order.length - 1; i > 0; i--) {
        s = (s * 1103515245 + 12345) >>> 0;
        const j = s % (i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const canon = (x: ReturnType<typeof deriveGroups>) => x.groups.map((g) => [...g.members].sort().join(' ')).sort();
      const a = deriveGroups(t, { algorithm: 'bus-isolation' });
      const b = deriveGroups(t, { algorithm: 'bus-isolation', probeOrder: order });
      expect(canon(b)).toEqual(canon(a));
    }), { numRuns: 200 });
  });
});

/**
 * The fabric router, rule by rule (spec topology-groups-iommu.md §3.7), on small
 * topologies: where one TLP goes before any IOMMU sees it. (Rule 9, CR, is about
 * completions, which the simulator does not route separately.)
 */
import { describe, expect, it } from 'vitest';
import { parseTopology } from '../topology/parse.js';
import type { PciFunction, Topology } from '../topology/model.js';
import { routeRequest, type AddressType, type RouteOptions } from './route.js';

type Acs = 'SV' | 'TB' | 'RR' | 'CR' | 'UF' | 'DT';
const ALL: Acs[] = ['SV', 'TB', 'RR', 'CR', 'UF', 'DT'];
const ep = (bdf: string, addr: string, extra: Record<string, unknown> = {}) => ({ bdf, type: 'endpoint', bars: [{ index: 0, size: '0x4000', address: addr }], ...extra });

/** A switch: DSP 02:00.0 → A 03:00.0 (0xe0000000), DSP 02:01.0 → B 04:00.0 (0xe0100000); USP BAR 0xe0200000. */
function sw(ctrl: Acs[], below: Record<string, unknown>[] = [ep('0000:03:00.0', '0xe0000000')]): Topology {
  const dsp = (bdf: string, children: unknown[]) => ({ bdf, type: 'switch-downstream', acs: ALL, acsCtrl: ctrl, children });
  return parseTopology({
    name: 'sw', ramBytes: '0x100000000',
    pci: [
      { bdf: '0000:00:00.0', type: 'host-bridge' },
      { bdf: '0000:00:01.0', type: 'root-port', acs: ['SV', 'RR', 'CR', 'UF'], children: [{
        bdf: '0000:01:00.0', type: 'switch-upstream', bars: [{ index: 0, size: '0x4000', address: '0xe0200000' }],
        children: [dsp('0000:02:00.0', below), dsp('0000:02:01.0', [ep('0000:04:00.0', '0xe0100000')])],
      }] },
    ],
  });
}

/** Two root ports 00:01.0 → A 01:00.0 (0xe0000000) and 00:02.0 → B 02:00.0 (0xe0100000). */
function rootPorts(ctrl: Acs[]): Topology {
  const rp = (bdf: string, child: unknown) => ({ bdf, type: 'root-port', acs: ALL, acsCtrl: ctrl, children: [child] });
  return parseTopology({
    name: 'rp', ramBytes: '0x100000000',
    pci: [
      { bdf: '0000:00:00.0', type: 'host-bridge' },
      rp('0000:00:01.0', ep('0000:01:00.0', '0xe0000000')),
      rp('0000:00:02.0', ep('0000:02:00.0', '0xe0100000')),
    ],
  });
}

function fn(t: Topology, bdf: string): PciFunction {
  return t.byBdf(bdf)!;
}

function route(t: Topology, from: string, addr: bigint, o: { rid?: number; at?: AddressType } & RouteOptions = {}) {
  const src = fn(t, from);
  return routeRequest(t.functions, src, { addr, rid: o.rid ?? src.rid, at: o.at ?? 'untranslated' }, o);
}

describe('rule 1: a switch downstream port', () => {
  it('without RR delivers a request for a sibling port\'s window straight there', () => {
    const r = route(sw([]), '0000:03:00.0', 0xe010_0040n);
    expect(r).toMatchObject({ kind: 'peer', via: 'switch', bar: 0, offset: 0x40n });
    expect(r.kind === 'peer' && r.target.bdf).toBe('0000:04:00.0');
    expect(r.path).toEqual(['0000:03:00.0', '0000:02:00.0', '0000:04:00.0']);
  });

  it('without RR delivers a request for the switch\'s own BAR (upstream port) there', () => {
    const r = route(sw([]), '0000:03:00.0', 0xe020_0010n);
    expect(r.kind === 'peer' && [r.target.bdf, r.via]).toEqual(['0000:01:00.0', 'switch']);
  });

  it('with RR forwards it upstream whatever the address', () => {
    const r = route(sw(['RR']), '0000:03:00.0', 0xe010_0040n);
    expect(r.kind).toBe('root-complex');
    expect(r.path).toEqual(['0000:03:00.0', '0000:02:00.0', '0000:01:00.0', '0000:00:01.0']);
  });

  it('an address no port decodes goes to the root complex either way', () => {
    expect(route(sw([]), '0000:03:00.0', 0x1000n).kind).toBe('root-complex');
  });
});

describe('rule 2: UF (upstream forwarding)', () => {
  // a two-function device below DSP 02:00.0 that does not route internally (ACS-like)
  const below = [
    ep('0000:03:00.0', '0xe0000000', { multifunction: true, internalP2P: false }),
    ep('0000:03:00.1', '0xe0004000', { multifunction: true, internalP2P: false }),
  ];

  it('without UF a request for the port\'s own window is reflected back down', () => {
    const r = route(sw([], below), '0000:03:00.0', 0xe000_4000n);
    expect(r.kind === 'peer' && [r.target.bdf, r.via]).toEqual(['0000:03:00.1', 'reflected']);
  });

  it('with UF it goes upstream instead', () => {
    expect(route(sw(['UF'], below), '0000:03:00.0', 0xe000_4000n).kind).toBe('root-complex');
  });
});

describe('rule 3: root ports', () => {
  it('the root complex does not route root port to root port unless the platform does', () => {
    expect(route(rootPorts([]), '0000:01:00.0', 0xe010_0000n).kind).toBe('root-complex');
  });

  it('with rootPortP2P and no RR the sibling root port\'s device gets it', () => {
    const r = route(rootPorts([]), '0000:01:00.0', 0xe010_0000n, { rootPortP2P: true });
    expect(r.kind === 'peer' && [r.target.bdf, r.via]).toEqual(['0000:02:00.0', 'root-port']);
  });

  it('with rootPortP2P but RR on the root port it goes to the IOMMU', () => {
    expect(route(rootPorts(['RR']), '0000:01:00.0', 0xe010_0000n, { rootPortP2P: true }).kind).toBe('root-complex');
  });
});

describe('rule 4: inside a multifunction device', () => {
  const mf = (internalP2P?: boolean) => parseTopology({
    name: 'mf', ramBytes: '0x100000000',
    pci: [
      { bdf: '0000:00:00.0', type: 'host-bridge' },
      { bdf: '0000:00:1c.0', type: 'root-port', acs: ['SV', 'RR', 'CR', 'UF'], children: [
        ep('0000:01:00.0', '0xe0000000', { multifunction: true, ...(internalP2P === undefined ? {} : { internalP2P }) }),
        ep('0000:01:00.1', '0xe0100000', { multifunction: true }),
      ] },
    ],
  });

  it('without ACS (the default) function 0 reaches function 1\'s BAR internally', () => {
    const r = route(mf(), '0000:01:00.0', 0xe010_0000n);
    expect(r.kind === 'peer' && [r.target.bdf, r.via, r.path]).toEqual(['0000:01:00.1', 'internal', ['0000:01:00.0', '0000:01:00.1']]);
  });

  it('with internalP2P off the request leaves the device (and the root port redirects it)', () => {
    expect(route(mf(false), '0000:01:00.0', 0xe010_0000n).kind).toBe('root-complex');
  });
});

describe('rule 5: a conventional PCI bus', () => {
  const conv = parseTopology({
    name: 'conv', ramBytes: '0x100000000',
    pci: [
      { bdf: '0000:00:00.0', type: 'host-bridge' },
      { bdf: '0000:00:1c.0', type: 'root-port', acs: ['SV', 'RR', 'CR', 'UF'], children: [
        { bdf: '0000:01:00.0', type: 'pcie-to-pci-bridge', children: [
          { bdf: '0000:02:00.0', type: 'endpoint', bars: [{ index: 0, size: '0x1000', address: '0xe0000000' }] },
          { bdf: '0000:02:01.0', type: 'endpoint', bars: [{ index: 0, size: '0x1000', address: '0xe0001000' }] },
        ] },
      ] },
    ],
  });

  it('every agent sees every request: the one whose BAR decodes it claims it, ACS upstream is never consulted', () => {
    const r = route(conv, '0000:02:00.0', 0xe000_1008n);
    expect(r.kind === 'peer' && [r.target.bdf, r.via, r.offset]).toEqual(['0000:02:01.0', 'conventional-bus', 8n]);
  });

  it('what nobody on the bus claims goes up through the bridge', () => {
    expect(route(conv, '0000:02:00.0', 0x2000n).kind).toBe('root-complex');
  });
});

describe('rule 6: SV (source validation)', () => {
  it('drops a requester id whose bus is outside the port\'s [secondary, subordinate]', () => {
    const r = route(sw(['SV', 'RR']), '0000:03:00.0', 0x1000n, { rid: 0x0400 });
    expect(r.kind === 'dropped' && [r.acs, r.port.bdf]).toEqual(['SV', '0000:02:00.0']);
  });

  it('is bus-granular: another devfn on the same bus passes', () => {
    expect(route(sw(['SV', 'RR']), '0000:03:00.0', 0x1000n, { rid: 0x0301 }).kind).toBe('root-complex');
  });

  it('without SV the forged id travels on', () => {
    expect(route(sw(['RR']), '0000:03:00.0', 0x1000n, { rid: 0x0400 }).kind).toBe('root-complex');
  });
});

describe('rule 7: TB (translation blocking)', () => {
  it('drops translated requests and translation requests, passes untranslated ones', () => {
    const t = sw(['TB', 'RR']);
    const a = route(t, '0000:03:00.0', 0x1000n, { at: 'translated' });
    const b = route(t, '0000:03:00.0', 0x1000n, { at: 'translation-request' });
    expect(a.kind === 'dropped' && a.acs).toBe('TB');
    expect(b.kind === 'dropped' && b.acs).toBe('TB');
    expect(route(t, '0000:03:00.0', 0x1000n).kind).toBe('root-complex');
  });

  it('a translation request is never decoded by address, even one that looks like a peer BAR', () => {
    expect(route(sw([]), '0000:03:00.0', 0xe010_0000n, { at: 'translation-request' }).kind).toBe('root-complex');
  });
});

describe('rule 8: DT (direct translated P2P)', () => {
  it('with RR and DT a translated request goes straight to the peer; an untranslated one is still redirected', () => {
    const t = sw(['RR', 'DT']);
    const r = route(t, '0000:03:00.0', 0xe010_0000n, { at: 'translated' });
    expect(r.kind === 'peer' && [r.target.bdf, r.via]).toEqual(['0000:04:00.0', 'switch']);
    expect(route(t, '0000:03:00.0', 0xe010_0000n).kind).toBe('root-complex');
  });

  it('with RR but no DT a translated request is redirected too', () => {
    expect(route(sw(['RR']), '0000:03:00.0', 0xe010_0000n, { at: 'translated' }).kind).toBe('root-complex');
  });
});

describe('ACS quirks are opinions, not hardware', () => {
  it('a DSP whose quirk says "isolated" still routes P2P when its ACS controls are off (T9)', () => {
    const t = parseTopology({
      name: 'q', ramBytes: '0x100000000',
      pci: [
        { bdf: '0000:00:00.0', type: 'host-bridge' },
        { bdf: '0000:00:01.0', type: 'root-port', acs: ['SV', 'RR', 'CR', 'UF'], children: [{
          bdf: '0000:01:00.0', type: 'switch-upstream',
          children: [
            { bdf: '0000:02:00.0', type: 'switch-downstream', acsQuirk: 'isolated', children: [ep('0000:03:00.0', '0xe0000000')] },
            { bdf: '0000:02:01.0', type: 'switch-downstream', acsQuirk: 'isolated', children: [ep('0000:04:00.0', '0xe0100000')] },
          ],
        }] },
      ],
    });
    expect(route(t, '0000:03:00.0', 0xe010_0000n).kind).toBe('peer');
  });
});

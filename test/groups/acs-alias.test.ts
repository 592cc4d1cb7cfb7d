/** acsEnabled / acsPathEnabled (spec §1.3–1.4) and the DMA alias walk (§1.5). */
import { describe, expect, it } from 'vitest';
import {
  acsEnabled, acsPathEnabled, devsAreDmaAliases, dmaAliases, REQ_ACS_FLAGS,
} from '../../src/hardware/groups/index.js';
import { parseTopology, PCI_ACS, type Topology } from '../../src/hardware/topology/index.js';

const ACS = ['SV', 'RR', 'CR', 'UF'];
function machine(pci: unknown[]): Topology {
  return parseTopology({ name: 't', pci });
}
const ep = (bdf: string, extra: object = {}) => ({ bdf, type: 'endpoint', ...extra });

describe('acsEnabled', () => {
  const t = machine([
    { bdf: '0000:00:01.0', type: 'root-port', acs: ACS, children: [ep('0000:01:00.0')] },
    { bdf: '0000:00:02.0', type: 'root-port', acs: ACS, acsCtrl: [] },
    { bdf: '0000:00:03.0', type: 'root-port' },
    { bdf: '0000:00:04.0', type: 'root-port', acs: ['SV', 'RR', 'CR'] },
    { bdf: '0000:00:05.0', type: 'root-port', acsQuirk: 'isolated' },
    ep('0000:00:1f.0'), ep('0000:00:1f.1', { acs: ACS }), ep('0000:00:1f.2', { acs: [] }),
    { bdf: '0000:00:1e.0', type: 'pcie-to-pci-bridge', acs: ACS, children: [ep('0000:07:00.0')] },
  ]);
  const f = (b: string) => t.byBdf(b)!;

  it('root ports need the requested bits enabled in Control', () => {
    expect(acsEnabled(f('00:01.0'), REQ_ACS_FLAGS)).toBe(true);
    expect(acsEnabled(f('00:02.0'), REQ_ACS_FLAGS)).toBe(false);
    expect(acsEnabled(f('00:03.0'), REQ_ACS_FLAGS)).toBe(false);
  });
  it('treats a feature the capability lacks as hard-wired on, except EC', () => {
    expect(acsEnabled(f('00:04.0'), REQ_ACS_FLAGS)).toBe(true);
    expect(acsEnabled(f('00:04.0'), REQ_ACS_FLAGS | PCI_ACS.EC)).toBe(false);
  });
  it('lets a quirk decide before anything else', () => {
    expect(acsEnabled(f('00:05.0'), REQ_ACS_FLAGS)).toBe(true);
  });
  it('single-function endpoints are isolated, multifunction ones need ACS', () => {
    expect(acsEnabled(f('01:00.0'), REQ_ACS_FLAGS)).toBe(true);
    expect(f('00:1f.0').multifunction).toBe(true);
    expect(acsEnabled(f('00:1f.0'), REQ_ACS_FLAGS)).toBe(false);
    expect(acsEnabled(f('00:1f.1'), REQ_ACS_FLAGS)).toBe(true);
  });
  it('an ACS capability that implements nothing counts as isolating (nothing to control)', () => {
    expect(f('00:1f.2').acsCap).toBe(0);
    expect(acsEnabled(f('00:1f.2'), REQ_ACS_FLAGS)).toBe(true);
  });
  it('PCIe-to-PCI bridges and conventional functions never isolate', () => {
    expect(acsEnabled(f('00:1e.0'), REQ_ACS_FLAGS)).toBe(false);
    expect(f('07:00.0').isPcie).toBe(false);
    expect(acsEnabled(f('07:00.0'), REQ_ACS_FLAGS)).toBe(false);
  });
  it('the 2025 mask ignores Enhanced controls unless ACS Enhanced is advertised', () => {
    const flags = REQ_ACS_FLAGS | PCI_ACS.USP_MT_RR;
    expect(acsEnabled(f('00:01.0'), flags, 'bus-isolation')).toBe(true);
    const e = machine([{ bdf: '0000:00:01.0', type: 'root-port', acs: [...ACS, 'ENHANCED', 'USP_MT_RR'], acsCtrl: ACS }]);
    expect(e.byBdf('00:01.0')!.acsCap).toBe(0x1d | PCI_ACS.ENHANCED);
    expect(acsEnabled(e.byBdf('00:01.0')!, flags, 'bus-isolation')).toBe(false);
  });
});

describe('acsPathEnabled', () => {
  const t = machine([
    { bdf: '0000:00:01.0', type: 'root-port', acs: ACS, children: [
      { bdf: '0000:01:00.0', type: 'switch-upstream', children: [
        { bdf: '0000:02:00.0', type: 'switch-downstream', acs: ACS, children: [ep('0000:03:00.0')] },
        { bdf: '0000:02:01.0', type: 'switch-downstream', acs: ACS, acsCtrl: [], children: [ep('0000:04:00.0')] },
      ] }] },
  ]);
  const f = (b: string) => t.byBdf(b)!;
  it('needs every device from start to the root bus to isolate', () => {
    expect(acsPathEnabled(f('02:00.0'), null, REQ_ACS_FLAGS)).toBe(true);
    expect(acsPathEnabled(f('02:01.0'), null, REQ_ACS_FLAGS)).toBe(false);
    expect(acsPathEnabled(f('04:00.0'), null, REQ_ACS_FLAGS)).toBe(false);
  });
  it('stops after checking end, and is false if the root bus comes first', () => {
    expect(acsPathEnabled(f('03:00.0'), f('01:00.0'), REQ_ACS_FLAGS)).toBe(true);
    expect(acsPathEnabled(f('04:00.0'), f('01:00.0'), REQ_ACS_FLAGS)).toBe(false);
    expect(acsPathEnabled(f('00:01.0'), f('03:00.0'), REQ_ACS_FLAGS)).toBe(false);
  });
});

describe('DMA alias walk', () => {
  const t = machine([
    { bdf: '0000:00:1c.0', type: 'root-port', acs: ACS, children: [
      { bdf: '0000:01:00.0', type: 'pcie-to-pci-bridge', children: [
        { bdf: '0000:02:00.0', type: 'pci-bridge', children: [ep('0000:03:04.0')] },
        { bdf: '0000:02:01.0', type: 'pci-bridge', pcieBridgeAliasQuirk: true, children: [ep('0000:05:00.0')] },
      ] }] },
    { bdf: '0000:00:1d.0', type: 'root-port', acs: ACS, children: [
      ep('0000:08:00.0', { dmaAliases: ['00.1', '01.0'] }), ep('0000:08:00.1'),
      { bdf: '0000:08:02.0', type: 'pci-to-pcie-bridge', xlateRoot: false, children: [ep('0000:09:00.0')] }] },
    { bdf: '0000:00:1e.0', type: 'root-port', xlateRoot: true, children: [
      { bdf: '0000:0a:00.0', type: 'pcie-to-pci-bridge', children: [ep('0000:0b:00.0')] }] },
  ]);
  const rids = (b: string) => dmaAliases(t.byBdf(b)!).map((a) => [a.device.bdf.slice(5), a.rid]);

  it('emits own RID, then quirk aliases, then each re-issuing bridge in order', () => {
    expect(rids('03:04.0')).toEqual([['03:04.0', 0x0320], ['02:00.0', 0x0200], ['01:00.0', 0x0200]]);
  });
  it('a PCIe-bridge-alias quirk makes a conventional bridge use secondary:00.0', () => {
    expect(rids('05:00.0')).toEqual([['05:00.0', 0x0500], ['02:01.0', 0x0500], ['01:00.0', 0x0200]]);
  });
  it('quirk aliases are same-bus devfns; PCIe ports keep the RID', () => {
    expect(rids('08:00.0')).toEqual([['08:00.0', 0x0800], ['08:00.0', 0x0801], ['08:00.0', 0x0808]]);
  });
  it('a PCI-to-PCIe bridge re-issues as itself', () => {
    expect(rids('09:00.0')).toEqual([['09:00.0', 0x0900], ['08:02.0', 0x0810]]);
  });
  it('stops at a translating bridge (xlateRoot)', () => {
    expect(rids('0b:00.0')).toEqual([['0b:00.0', 0x0b00], ['0a:00.0', 0x0b00]]);
  });
  it('devsAreDmaAliases is symmetric over quirk aliases', () => {
    const a = t.byBdf('08:00.0')!, b = t.byBdf('08:00.1')!, c = t.byBdf('08:02.0')!;
    expect(devsAreDmaAliases(a, b)).toBe(true);
    expect(devsAreDmaAliases(b, a)).toBe(true);
    expect(devsAreDmaAliases(b, c)).toBe(false);
  });
});

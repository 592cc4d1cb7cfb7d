/** Each schema and semantic error names the path of the offending field. */
import { describe, expect, it } from 'vitest';
import { parseTopology, safeParseTopology, TopologyError } from '../../src/hardware/topology/index.js';

const ACS = ['SV', 'RR', 'CR', 'UF'];
const base = (pci: unknown[], extra: object = {}) => ({ name: 't', ramBytes: '0x100000000', pci, ...extra });
const rp = (bdf: string, children: unknown[] = [], extra: object = {}) => ({ bdf, type: 'root-port', acs: ACS, children, ...extra });
const ep = (bdf: string, extra: object = {}) => ({ bdf, type: 'endpoint', ...extra });

function issuesOf(json: unknown) {
  const r = safeParseTopology(json);
  if (r.ok) throw new Error('expected issues');
  return r.issues;
}

function expectIssue(json: unknown, path: string, message: RegExp) {
  expect(issuesOf(json)).toContainEqual({ path, message: expect.stringMatching(message) });
}

describe('parse errors', () => {
  it('throws a TopologyError listing "path: message" lines', () => {
    const bad = base([rp('0000:00:01.0'), rp('0000:00:02.0', [ep('1:00.0')])]);
    let err: unknown;
    try { parseTopology(bad); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(TopologyError);
    const te = err as TopologyError;
    expect(te.name).toBe('TopologyError');
    expect(te.issues).toEqual([{ path: 'pci[1].children[0].bdf', message: 'expected DDDD:BB:DD.F' }]);
    expect(te.message).toBe('pci[1].children[0].bdf: expected DDDD:BB:DD.F');
  });

  it('rejects unknown fields by name', () => {
    expectIssue(base([ep('0000:00:01.0', { acsQuirks: 'isolated' })]), 'pci[0].acsQuirks', /unknown field/);
    expectIssue({ ...base([]), iommu: { addresWidth: 48 } }, 'iommu.addresWidth', /unknown field/);
  });

  it('rejects bad numbers with their path', () => {
    expectIssue(base([], { ramBytes: '16G' }), 'ramBytes', /hex string/);
    expectIssue(base([ep('0000:00:01.0', { vendor: '0x12345' })]), 'pci[0].vendor', /16-bit/);
    expectIssue({ ...base([]), iommu: { pageSizes: ['3K'] } }, 'iommu.pageSizes[0]', /power-of-two/);
    expectIssue({ ...base([]), iommu: { addressWidth: 40 } }, 'iommu.addressWidth', /39, 48 or 57/);
  });

  it('page sizes the IOMMU page table cannot hold (found by the deep CLI fuzz: 4K missing was exit 3)', () => {
    expectIssue({ ...base([]), iommu: { pageSizes: ['2M', '1G'] } }, 'iommu.pageSizes', /expected 4K and optionally 2M and 1G/);
    expectIssue({ ...base([]), iommu: { pageSizes: ['4K', '64K'] } }, 'iommu.pageSizes', /expected 4K and optionally 2M and 1G/);
  });

  it('duplicate BDFs', () => {
    expectIssue(base([ep('0000:00:01.0'), ep('0000:00:01.0')]), 'pci[1].bdf', /duplicate BDF 0000:00:01\.0 \(also at pci\[0\]\)/);
  });

  it('children on the bridge\'s own bus, on different buses, or on a lower bus', () => {
    expectIssue(base([rp('0000:00:01.0', [ep('0000:00:02.0')])]), 'pci[0].children[0].bdf', /own bus/);
    expectIssue(base([rp('0000:00:01.0', [ep('0000:01:00.0'), ep('0000:02:00.0')])]), 'pci[0].children[1].bdf', /share its secondary bus 01/);
    expectIssue(base([rp('0000:00:01.0', [{ bdf: '0000:05:00.0', type: 'switch-upstream', children: [ep('0000:03:00.0')] }])]),
      'pci[0].children[0].children[0].bdf', /not greater than the parent bridge's bus 05/);
  });

  it('children under a non-bridge', () => {
    expectIssue(base([ep('0000:00:01.0', { children: [ep('0000:01:00.0')] })]), 'pci[0].children', /only bridges/);
  });

  it('unknown model and bad model params', () => {
    expectIssue(base([ep('0000:00:01.0', { model: 'edux' })]), 'pci[0].model', /unknown model "edux" \(known: edu, dma-engine, nic, hostile, ioat\)/);
    expectIssue(base([ep('0000:00:01.0', { model: 'edu', params: { dmaMsk: 1 } })]), 'pci[0].params.dmaMsk', /unknown param/);
    expect(safeParseTopology(base([ep('0000:00:01.0', { model: 'edu', params: { dmaMask: '0xfffffff' } })])).ok).toBe(true);
  });

  it('acsCtrl must be a subset of acs', () => {
    expectIssue(base([rp('0000:00:01.0', [], { acs: ['SV'], acsCtrl: ['SV', 'RR'] })]), 'pci[0].acsCtrl', /not a subset of acs: RR/);
    expectIssue(base([rp('0000:00:01.0', [], { acs: undefined, acsCtrl: [] })]), 'pci[0].acsCtrl', /needs acs/);
  });

  it('malformed dmaAliases', () => {
    expectIssue(base([ep('0000:00:01.0', { dmaAliases: ['1'] })]), 'pci[0].dmaAliases[0]', /expected DD\.F/);
    expectIssue(base([ep('0000:00:01.0', { dmaAliases: ['20.0'] })]), 'pci[0].dmaAliases[0]', /expected DD\.F/);
  });

  it('realDmaDev must name another function', () => {
    expectIssue(base([ep('0000:00:01.0', { realDmaDev: '0000:00:09.0' })]), 'pci[0].realDmaDev', /no function 0000:00:09\.0/);
  });

  it('SR-IOV VFs colliding with existing functions', () => {
    const pf = ep('0000:01:00.0', { sriov: { totalVfs: 4, numVfs: 2, offset: 1, stride: 1 } });
    expectIssue(base([rp('0000:00:01.0', [pf, ep('0000:01:00.2')])]), 'pci[0].children[0].sriov', /VF 1 at 0000:01:00\.2 collides/);
    const big = ep('0000:01:00.0', { sriov: { totalVfs: 4, numVfs: 5 } });
    expectIssue(base([rp('0000:00:01.0', [big])]), 'pci[0].children[0].sriov.numVfs', /exceeds totalVfs/);
  });

  it('a BAR placed inside RAM, and overlapping BARs', () => {
    expectIssue(base([ep('0000:00:01.0', { bars: [{ index: 0, size: '0x1000', address: '0x80000000' }] })]),
      'pci[0].bars[0]', /BAR0 0x80000000-0x80000fff of 0000:00:01\.0 lies inside RAM/);
    const two = [
      ep('0000:00:01.0', { bars: [{ index: 0, size: '0x2000', address: '0xd0000000' }] }),
      ep('0000:00:02.0', { bars: [{ index: 2, size: '0x1000', address: '0xd0001000' }] }),
    ];
    expectIssue(base(two), 'pci[1].bars[0]', /BAR2 of 0000:00:02\.0 overlaps BAR0 of 0000:00:01\.0/);
  });

  it('BAR shape: alignment and 64-bit index pairs', () => {
    expectIssue(base([ep('0000:00:01.0', { bars: [{ index: 0, size: '0x2000', address: '0xd0001000' }] })]), 'pci[0].bars[0].address', /aligned/);
    expectIssue(base([ep('0000:00:01.0', { bars: [{ index: 0, size: '0x1000', is64: true }, { index: 1, size: '0x1000' }] })]),
      'pci[0].bars[0].index', /also occupies BAR1/);
  });

  it('reports every issue, not just the first', () => {
    expect(issuesOf(base([ep('0000:00:01.0', { model: 'x' }), ep('0000:00:01.0', { realDmaDev: '0000:00:07.0' })]))).toHaveLength(3);
  });
});

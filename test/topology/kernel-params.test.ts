/**
 * Issue 14 item 2: kernel.params in a topology are checked as the kernel's parameter parsers
 * check a boot command line (kernel/params.c param_set_bool -> lib/kstrtox.c kstrtobool,
 * param_set_uint -> kstrtouint, param_set_int -> kstrtoint), in the schema, with the path.
 * A JSON bool, 0/1 (as on a command line) and kstrtobool's strings work for a bool; an
 * integer parameter takes an integer in its C type's range, or a kstrtox string.
 */
import { describe, expect, it } from 'vitest';
import { Host } from '../../src/index.js';
import { safeParseTopology, TopologyError } from '../../src/hardware/topology/index.js';

const topo = (params: Record<string, unknown>) => ({ name: 't', pci: [{ bdf: '0000:00:01.0', type: 'endpoint' }], kernel: { params } });

function issues(params: Record<string, unknown>) {
  const r = safeParseTopology(topo(params));
  return r.ok ? [] : r.issues;
}

function value(params: Record<string, unknown>): unknown {
  const r = safeParseTopology(topo(params));
  if (!r.ok) throw new Error(r.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  return Object.values(r.topology.kernel.params)[0];
}

describe('kernel.params validation', () => {
  it('an unknown parameter name is an issue at its path, naming the known ones', () => {
    const is = issues({ 'vfio.no_such_param': true });
    expect(is).toHaveLength(1);
    expect(is[0]!.path).toBe('kernel.params["vfio.no_such_param"]');
    expect(is[0]!.message).toMatch(/unknown module parameter.*vfio\.enable_unsafe_noiommu_mode/);
  });

  it('bools take true/false, 0/1 and what kstrtobool takes (first character y/Y/1/n/N/0, on/off)', () => {
    const k = 'vfio.enable_unsafe_noiommu_mode';
    for (const v of [true, 1, 'y', 'Y', '1', 'yes', 'on', 'ON', 'Y\n']) expect(value({ [k]: v }), JSON.stringify(v)).toBe(true);
    for (const v of [false, 0, 'n', 'N', '0', 'no', 'off', 'oFF']) expect(value({ [k]: v }), JSON.stringify(v)).toBe(false);
    for (const v of [2, -1, 0.5, 'true', 'o', '', 'x', null, [], {}]) {
      const is = issues({ [k]: v });
      expect(is.map((i) => i.path), JSON.stringify(v)).toEqual([`kernel.params["${k}"]`]);
      expect(is[0]!.message).toMatch(/kstrtobool/);
    }
  });

  it('uint parameters take integers in [0, 2^32) or a kstrtouint string; -5, 1.5, 1e300 are refused', () => {
    const k = 'vfio_iommu_type1.dma_entry_limit';
    expect(value({ [k]: 10 })).toBe(10);
    expect(value({ [k]: 0xffffffff })).toBe(0xffffffff);
    expect(value({ [k]: '0x10' })).toBe(16);
    expect(value({ [k]: '010' })).toBe(8);
    expect(value({ [k]: '+7\n' })).toBe(7);
    for (const v of [-5, 1.5, 1e300, 2 ** 32, '-5', '1.5', '0x', '', ' 5', true, null]) {
      const is = issues({ [k]: v });
      expect(is.map((i) => i.path), JSON.stringify(v)).toEqual([`kernel.params["${k}"]`]);
      expect(is[0]!.message).toMatch(/kstrtouint/);
    }
  });

  it('every problem is reported in one pass', () => {
    const is = issues({ 'a.b': 1, 'vfio_iommu_type1.dma_entry_limit': -1, 'vfio.enable_unsafe_noiommu_mode': 3 });
    expect(is).toHaveLength(3);
  });

  it('new Host() refuses an unknown parameter with a TopologyError naming it, not an uncoded RangeError', () => {
    let err: unknown;
    try {
      new Host(topo({ 'vfio.bogus': true }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TopologyError);
    expect((err as TopologyError).issues.map((i) => i.path)).toEqual(['kernel.params["vfio.bogus"]']);
  });

  it('a Host boots with the parsed values, which read back as sysfs shows them', () => {
    const host = new Host(topo({ 'vfio.enable_unsafe_noiommu_mode': 0, 'vfio_iommu_type1.dma_entry_limit': '0x20' }));
    const p = host.spawn();
    expect(p.readFile('/sys/module/vfio/parameters/enable_unsafe_noiommu_mode')).toBe('N\n');
    expect(p.readFile('/sys/module/vfio_iommu_type1/parameters/dma_entry_limit')).toBe('32\n');
  });
});

/**
 * Spec topology-groups-iommu.md §1.8: every worked example, both algorithms, exact
 * partitions (group ids are allocation order and not compared here).
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { deriveGroups } from '../../src/hardware/groups/index.js';
import { FIXTURE_DIR, loadFixture } from './fixtures.js';

type Partition = string[][];
const S = (...bdfs: string[]) => bdfs.map((b) => `0000:${b}`);

const SWITCH_ALL = [S('00:01.0'), S('01:00.0'), S('02:00.0'), S('02:01.0'), S('03:00.0'), S('04:00.0')];
const SRIOV_ALL = [S('00:03.0'), S('01:00.0'), S('01:10.0'), S('01:10.2'), S('01:10.4')];
const SRIOV_ONE = [S('00:03.0', '01:00.0', '01:10.0', '01:10.2', '01:10.4')];

const EXPECTED: Record<string, { classic: Partition; busIsolation: Partition }> = {
  'example-1': { classic: [S('00:1c.0'), S('01:00.0', '01:00.1')], busIsolation: [S('00:1c.0'), S('01:00.0', '01:00.1')] },
  'example-1q': { classic: [S('00:1c.0'), S('01:00.0'), S('01:00.1')], busIsolation: [S('00:1c.0'), S('01:00.0'), S('01:00.1')] },
  'example-2': { classic: [S('00:01.0'), S('01:00.0', '01:00.1')], busIsolation: [S('00:01.0'), S('01:00.0', '01:00.1')] },
  'example-2b': {
    classic: [S('00:01.0', '00:01.1', '01:00.0', '01:00.1', '02:00.0')],
    busIsolation: [S('00:01.0', '00:01.1', '01:00.0', '01:00.1', '02:00.0')],
  },
  'example-3': { classic: SWITCH_ALL, busIsolation: SWITCH_ALL },
  'example-4': {
    classic: [S('00:01.0'), S('01:00.0'), S('02:00.0', '03:00.0'), S('02:01.0', '04:00.0')],
    busIsolation: [S('00:01.0'), S('01:00.0'), S('02:00.0', '02:01.0', '03:00.0', '04:00.0')],
  },
  'example-4a': {
    classic: [S('00:01.0'), S('01:00.0'), S('02:00.0'), S('03:00.0'), S('02:01.0', '04:00.0')],
    busIsolation: [S('00:01.0'), S('01:00.0'), S('02:00.0', '02:01.0', '03:00.0', '04:00.0')],
  },
  'example-4b': {
    classic: [S('00:01.0'), S('01:00.0'), S('02:00.0', '03:00.0'), S('02:01.0', '04:00.0')],
    busIsolation: [S('00:01.0'), S('01:00.0', '02:00.0', '02:01.0', '03:00.0', '04:00.0')],
  },
  'example-5': {
    classic: [S('00:1c.0'), S('01:00.0', '02:00.0', '02:01.0')],
    busIsolation: [S('00:1c.0'), S('01:00.0'), S('02:00.0', '02:01.0')],
  },
  'example-6': { classic: [S('00:1e.0', '06:0d.0', '06:0d.1')], busIsolation: [S('00:1e.0', '06:0d.0', '06:0d.1')] },
  'example-7': { classic: [S('00:02.0')], busIsolation: [S('00:02.0')] },
  'example-7b': { classic: [S('00:1f.0', '00:1f.2', '00:1f.3')], busIsolation: [S('00:1f.0', '00:1f.2', '00:1f.3')] },
  'example-8': { classic: SRIOV_ALL, busIsolation: SRIOV_ALL },
  'example-8b': { classic: SRIOV_ONE, busIsolation: SRIOV_ONE },
  'example-8c': { classic: SRIOV_ONE, busIsolation: SRIOV_ALL },
  'example-9': {
    classic: [S('00:1c.0', '00:1c.4', '01:00.0', '02:00.0')],
    busIsolation: [S('00:1c.0', '00:1c.4', '01:00.0', '02:00.0')],
  },
  'example-9q': {
    classic: [S('00:1c.0'), S('00:1c.4'), S('01:00.0'), S('02:00.0')],
    busIsolation: [S('00:1c.0'), S('00:1c.4'), S('01:00.0'), S('02:00.0')],
  },
  'example-10': { classic: [S('00:1c.0'), S('03:00.0', '03:00.1')], busIsolation: [S('00:1c.0'), S('03:00.0', '03:00.1')] },
};

function canonical(p: readonly (readonly string[])[]): string[][] {
  return p.map((g) => [...g].sort()).sort((a, b) => a[0]!.localeCompare(b[0]!));
}

describe('spec §1.8 worked examples', () => {
  it('has an expectation for every example fixture and a fixture for every expectation', () => {
    const files = readdirSync(FIXTURE_DIR).filter((f) => f.startsWith('example-')).map((f) => f.replace(/\.json$/, ''));
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [name, want] of Object.entries(EXPECTED)) {
    describe(name, () => {
      const topo = loadFixture(name);
      it('has a description', () => {
        expect(topo.description).toMatch(/\S{10,}/);
      });
      it('classic partition', () => {
        const t = deriveGroups(topo, { algorithm: 'classic' });
        expect(canonical(t.groups.map((g) => g.members))).toEqual(canonical(want.classic));
      });
      it('bus-isolation partition', () => {
        const t = deriveGroups(topo, { algorithm: 'bus-isolation' });
        expect(canonical(t.groups.map((g) => g.members))).toEqual(canonical(want.busIsolation));
      });
    });
  }

  it('example 10: the IOMMU sees 03:00.0 as both 03:00.0 and its alias 03:00.1', () => {
    const t = deriveGroups(loadFixture('example-10'));
    expect(t.aliasesOf('0000:03:00.0')).toEqual([0x0300, 0x0301]);
    expect(t.aliasesOf('0000:03:00.1')).toEqual([0x0301]);
  });

  it('example 5: devices behind the PCIe-to-PCI bridge also appear as 02:00.0', () => {
    const t = deriveGroups(loadFixture('example-5'));
    expect(t.aliasesOf('0000:02:01.0')).toEqual([0x0208, 0x0200]);
    expect(t.reasonOf('0000:02:01.0')).toMatch(/step A/);
  });

  it('example 4 classic: each NVMe joins its ACS-off downstream port by step B', () => {
    const t = deriveGroups(loadFixture('example-4'), { algorithm: 'classic' });
    expect(t.reasonOf('0000:03:00.0')).toMatch(/upstream bridge 0000:02:00.0 .*step B/);
    expect(t.groupOf('0000:03:00.0')).toBe(t.groupOf('0000:02:00.0'));
  });

  it('example 4 bus-isolation: the shared group is flagged non-isolated', () => {
    const t = deriveGroups(loadFixture('example-4'), { algorithm: 'bus-isolation' });
    const g = t.groups.find((x) => x.members.includes('0000:02:00.0'))!;
    expect(g.nonIsolated).toBe(true);
    expect(t.groups.find((x) => x.members.includes('0000:01:00.0'))!.nonIsolated).toBe(false);
  });
});

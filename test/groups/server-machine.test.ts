/**
 * The bundled `server` (Skylake-SP): its IOMMU groups as Linux forms them. The eight CBDMA
 * channels at 00:04.x are one multifunction RCiEP without ACS, yet each is alone: Intel RCiEPs
 * pass pci_acs_enabled() through pci_quirk_rciep_acs (drivers/pci/quirks.c). Without that
 * quirk, step D of pci_device_group would put all eight in one group.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/tools/cli/cli.js';
import { deriveGroups } from '../../src/hardware/groups/index.js';
import { parseTopology } from '../../src/hardware/topology/index.js';
import { bundledTopologies } from '../../src/hardware/default-machine.js';
import { fixtureJson, loadFixture } from './fixtures.js';

const topo = loadFixture('server');
const B = (...s: string[]) => s.map((x) => `0000:${x}`);

const CLASSIC: [number, string[]][] = [
  [0, B('00:00.0')], [1, B('00:02.0')], [2, B('00:03.0')],
  [3, B('00:04.0')], [4, B('00:04.1')], [5, B('00:04.2')], [6, B('00:04.3')],
  [7, B('00:04.4')], [8, B('00:04.5')], [9, B('00:04.6')], [10, B('00:04.7')],
  [11, B('00:05.0')], [12, B('00:05.2')], [13, B('00:05.4')], [14, B('00:14.0')], [15, B('00:17.0')],
  [16, B('00:1c.0')], [17, B('00:1f.0', '00:1f.2', '00:1f.4', '00:1f.5')],
  [18, B('01:00.0')], [19, B('01:00.1')], [20, B('02:00.0')], [21, B('03:00.0', '04:00.0')],
];

function cli(...argv: string[]): { code: number; out: string } {
  let out = '';
  const code = runCli(argv, { out: (t) => (out += t + '\n'), err: (t) => (out += t + '\n'), readFile: (p) => readFileSync(p, 'utf8'), writeFile: () => {} });
  return { code, out };
}

describe('the bundled server machine', () => {
  it('prints with `vfio-sim machine server` as with its file, CBDMA on ioatdma, one group each', () => {
    const byName = cli('machine', 'server');
    expect(byName.code).toBe(0);
    expect(byName.out).toContain('machine: server');
    expect(byName.out).toContain('0000:00:04.0 RC integrated endpoint 8086:2021 (ioat) — ioatdma, group 3');
    expect(byName.out).toContain('group 10: NOT viable: 0000:00:04.7 is bound to ioatdma');
    expect(cli('machine', 'fixtures/topologies/server.json').out).toBe(byName.out);
    expect(cli('machine', 'no-such-machine').code).not.toBe(0);
  });

  it('is the `server` the command line can name', () => {
    expect(topo.name).toBe('server');
    expect(bundledTopologies['server']).toEqual(fixtureJson('server'));
  });

  it('has these classic groups: one per CBDMA channel, the PCH 1f.x block together, the BMC VGA with its bridge', () => {
    expect(deriveGroups(topo).groups.map((g) => [g.id, g.members])).toEqual(CLASSIC);
  });

  it('boots the CBDMA channels on ioatdma as multifunction IOAT_SKX RCiEPs', () => {
    for (let f = 0; f < 8; f++) {
      expect(topo.byBdf(`00:04.${f}`)).toMatchObject({
        type: 'rciep', model: 'ioat', driver: 'ioatdma', vendor: 0x8086, device: 0x2021, multifunction: true, acsCap: null,
      });
    }
    expect(topo.byBdf('01:00.0')!.driver).toBe('i40e');
    expect(topo.byBdf('02:00.0')!.driver).toBe('nvme');
  });

  it('would group all eight channels together without the Intel RCiEP ACS quirk', () => {
    const json = structuredClone(fixtureJson('server')) as { pci: Array<{ bdf: string; acsQuirk?: string }> };
    for (const n of json.pci) if (n.bdf.startsWith('0000:00:04.')) delete n.acsQuirk;
    const t = deriveGroups(parseTopology(json));
    expect(t.groups.find((g) => g.members.includes('0000:00:04.0'))!.members).toEqual(B(...[0, 1, 2, 3, 4, 5, 6, 7].map((f) => `00:04.${f}`)));
    expect(t.reasonOf('0000:00:04.7')).toMatch(/multifunction sibling 0000:00:04\.0 lacks ACS/);
  });
});

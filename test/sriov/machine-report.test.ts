/** `vfio-sim machine server --json` marks each SR-IOV PF with `sriov: { totalVfs, numVfs }`. */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/tools/cli/cli.js';
import { formatTree, machineReport } from '../../src/tools/report/machine.js';
import { hostState } from '../../src/tools/report/state.js';
import { dev, PF, PF1, server, VF0 } from './helpers.js';

function cli(...argv: string[]): { code: number; out: string } {
  let out = '';
  const code = runCli(argv, {
    out: (t) => (out += t + '\n'),
    err: () => {},
    readFile: (p) => readFileSync(p, 'utf8'),
    writeFile: (p, d) => writeFileSync(p, d),
  });
  return { code, out };
}

describe('machine report', () => {
  it('the server machine: both X710 ports are PFs of 8 VFs, none enabled; other functions carry no sriov', () => {
    const r = cli('machine', 'server', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { functions: Array<{ bdf: string; sriov?: unknown }> };
    const pfs = j.functions.filter((f) => f.sriov !== undefined);
    expect(pfs.map((f) => [f.bdf, f.sriov])).toEqual([[PF, { totalVfs: 8, numVfs: 0 }], [PF1, { totalVfs: 8, numVfs: 0 }]]);
  });

  it('numVfs follows sriov_numvfs, and the VFs are listed with their PF and group', () => {
    const host = server();
    host.spawn().writeFile(`${dev(PF)}/sriov_numvfs`, '2');
    const r = machineReport(host);
    expect(r.functions.find((f) => f.bdf === PF)?.sriov).toEqual({ totalVfs: 8, numVfs: 2 });
    const vf = r.functions.find((f) => f.bdf === VF0);
    expect(vf?.physfn).toBe(PF);
    expect(vf?.device).toBe('154c');
    expect(vf?.group).not.toBeNull();
    expect(r.groups.some((g) => g.members.includes(VF0))).toBe(true);
  });
});

describe('machine tree and state', () => {
  it('the text tree marks a PF and shows its VFs as they are now (run-time VFs in, removed boot VFs out)', () => {
    const host = server();
    const p = host.spawn();
    expect(formatTree(host)).toContain(`${PF} endpoint 8086:1572 (nic) [ACS off] [SR-IOV 0/8 VFs]`);
    p.writeFile(`${dev(PF)}/sriov_numvfs`, '2');
    const tree = formatTree(host);
    expect(tree).toContain('[SR-IOV 2/8 VFs]');
    expect(tree).toContain(`${VF0} endpoint 8086:154c`);
    expect(hostState(host).rows.map((r) => r.bdf)).toContain(VF0);
    p.writeFile(`${dev(PF)}/sriov_numvfs`, '0');
    expect(formatTree(host)).not.toContain(VF0);
    expect(hostState(host).rows.map((r) => r.bdf)).not.toContain(VF0);
  });
});

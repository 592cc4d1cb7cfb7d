/**
 * The pictures tell the truth (issue 15 item 4): ACS capability and enabled controls apart
 * (text tree and SVG), mappings drawn to one scale on both bars, the user's address spaces
 * and the faults before the kernel's DMA domains, the way of a peer-to-peer request drawn in
 * the tree, and escape text whole.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Host } from '../../src/host/host.js';
import { parseTopology } from '../../src/index.js';
import { ScenarioRun, parseScenario } from '../../src/scenarios/index.js';
import { drawMachine } from '../../src/tools/pictures/index.js';
import { clusters, sharedScale } from '../../src/tools/pictures/axis.js';
import { domainPanel } from '../../src/tools/pictures/domain-svg.js';
import { textWidth } from '../../src/tools/pictures/measure.js';
import { formatTree } from '../../src/tools/report/machine.js';
import { p2pText } from '../../src/tools/report/p2p.js';
import { hostState, type DomainSnap } from '../../src/tools/report/state.js';
import { loaderFor, readJsonFile } from '../scenarios/helpers.js';
import { textBoxes } from './text-boxes.js';

const example4 = (): Record<string, unknown> => JSON.parse(readFileSync('fixtures/topologies/example-4.json', 'utf8')) as Record<string, unknown>;

function ended(file: string): Host {
  const run = new ScenarioRun(parseScenario(readJsonFile(file)), { loadTopology: loaderFor(file) });
  expect(run.runAll().ok).toBe(true);
  return run.host;
}

describe('ACS: the capability and the enabled controls, apart', () => {
  it('example-4: the downstream ports offer SV RR CR UF and have none enabled — the text tree says both', () => {
    const tree = formatTree(new Host(parseTopology(example4())));
    expect(tree).toContain('0000:02:00.0 switch downstream port 104c:8233 [ACS cap SV RR CR UF · enabled none] — pcieport, group 2');
    expect(tree).toContain('0000:02:01.0 switch downstream port 104c:8233 [ACS cap SV RR CR UF · enabled none] — pcieport, group 3');
    expect(tree).toContain('0000:00:01.0 root port 1b36:000c [ACS SV RR CR UF · all enabled] — pcieport, group 0');
    expect(tree).not.toContain('[ACS SV RR CR UF]');
  });

  it('example-4: the SVG badge says the same', () => {
    const svg = drawMachine(hostState(new Host(parseTopology(example4()))));
    expect(svg.match(/>ACS cap SV RR CR UF · enabled none</g)).toHaveLength(2);
    expect(svg).toContain('>ACS SV RR CR UF · all enabled<');
  });

  it('some controls enabled: they are named', () => {
    const t = example4();
    const pci = t.pci as Array<{ children: Array<{ children: Array<{ acsCtrl?: string[] }> }> }>;
    pci[0]!.children[0]!.children[0]!.acsCtrl = ['SV', 'CR'];
    const host = new Host(parseTopology(t));
    expect(formatTree(host)).toContain('0000:02:00.0 switch downstream port 104c:8233 [ACS cap SV RR CR UF · enabled SV CR]');
    expect(drawMachine(hostState(host))).toContain('>ACS cap SV RR CR UF · enabled SV CR<');
  });
});

/** The rects of a panel that are mapping bars (height 14, not the grey axis). */
function mappingBars(svg: string): Array<{ x: number; y: number; w: number }> {
  return [...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="14" fill="(hsl[^"]*|#1565c0)"\/>/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]), w: Number(m[3]) }));
}

describe('scale: a mapping is as wide on the PA bar as on the IOVA bar', () => {
  const dom = (mappings: DomainSnap['mappings']): DomainSnap => ({ id: 1, type: 'unmanaged', devices: ['0000:06:00.0'], groups: [17], mappings, owner: 'container 0', user: true });
  const fault = { time: 0n, source: '0000:06:00.0', iova: 0x300000n, access: 'read' as const, reason: 'PTE Read access is not set', code: 6, rid: 0x600, recorded: 'recorded' as const };

  it('one 4 KiB mapping with a far fault: equal widths, a small part of the bar, the scale stated', () => {
    const p = domainPanel(dom([{ iova: 0x100000n, pa: 0x7b000000n, size: 0x1000n, read: true, write: false }]), [fault as never], 700, 600, 100);
    const svg = p.svg.join('');
    const [iova, pa] = mappingBars(svg);
    expect(iova!.w).toBeCloseTo(pa!.w, 5);
    expect(iova!.w).toBeLessThan(600 / 4);
    expect(iova!.w).toBeGreaterThan(20);
    expect(svg).toContain('both bars to one scale, 4 KiB = 68 px');
    expect(svg).toContain('// = a gap cut out');
  });

  it('far-apart ranges are cut into segments; near ones keep their spacing', () => {
    expect(clusters([[0x100000n, 0x101000n], [0xffe00000n, 0xffe01000n]])).toHaveLength(2);
    expect(clusters([[0x100000n, 0x101000n], [0x102000n, 0x103000n]])).toEqual([[0x100000n, 0x103000n]]);
    // 64 MiB fits 540 px; a lone page is capped at 32 KiB across the bar
    expect(sharedScale([[[0n, 0x4000000n]]], 540)).toBeCloseTo((540 - 10) / 0x4000000, 12);
    expect(sharedScale([[[0n, 0x1000n]]], 540)).toBe(540 / 0x8000);
  });

  it('a page beside a gigabyte: the page is drawn at the minimum width and the panel says so', () => {
    const p = domainPanel(dom([
      { iova: 0n, pa: 0x40000000n, size: 0x40000000n, read: true, write: true },
      { iova: 0x800000000n, pa: 0x1000n, size: 0x1000n, read: true, write: true },
    ]), [], 700, 600, 100);
    const svg = p.svg.join('');
    expect(svg).toContain('ranges under 4 px drawn 4 px wide');
    const bars = mappingBars(svg);
    expect(bars).toHaveLength(4);
    expect(Math.min(...bars.map((b) => b.w))).toBeGreaterThanOrEqual(2);
    expect(Math.max(...bars.map((b) => b.x + b.w))).toBeLessThanOrEqual(700 + 600);
  });

  it('in the 04-dma-fault picture the user mapping is 4 KiB wide on both bars', () => {
    const s = hostState(ended('fixtures/scenarios/04-dma-fault.json'));
    const user = s.domains.find((d) => d.user)!;
    const bars = mappingBars(domainPanel(user, s.faults, 700, 600, 100).svg.join(''));
    expect(bars).toHaveLength(2);
    expect(bars[0]!.w).toBeCloseTo(bars[1]!.w, 5);
  });
});

describe('order: your address spaces and the faults first, the kernel\'s DMA domains after', () => {
  it('04-dma-fault: domain 22 (container 0), then the faults, then the DMA domains of host drivers', () => {
    const s = hostState(ended('fixtures/scenarios/04-dma-fault.json'));
    expect(s.domains.map((d) => d.user)).toEqual([true, false, false, false]);
    const svg = drawMachine(s);
    const at = (t: string): number => svg.indexOf(t);
    expect(at('domain 22 (unmanaged) of container 0')).toBeGreaterThan(0);
    expect(at('domain 22 (unmanaged)')).toBeLessThan(at('IOMMU faults (2)'));
    expect(at('IOMMU faults (2)')).toBeLessThan(at('The kernel\'s DMA domains (host drivers)'));
    expect(at('The kernel')).toBeLessThan(at('domain 3 (DMA)'));
    const y = (t: string): number => textBoxes(svg).find((b) => b.text.startsWith(t))!.top;
    expect(y('domain 22')).toBeLessThan(y('IOMMU faults'));
    expect(y('IOMMU faults')).toBeLessThan(y('domain 3 (DMA)'));
  });
});

describe('threat pictures: the P2P way and the escape text', () => {
  const RED_PATH = /<path d="(M[^"]+)" fill="none" stroke="#d32f2f"/g;

  it('T1 without ACS: up from 03:00.0 to its downstream port, across the switch, down through 02:01.0 to 04:00.0', () => {
    const s = hostState(ended('fixtures/scenarios/threats/t1-p2p-switch-vulnerable.json'));
    expect(s.p2p).toHaveLength(1);
    expect(s.p2p[0]).toMatchObject({ source: '0000:03:00.0', target: '0000:04:00.0', via: 'switch', bar: 0, path: ['0000:03:00.0', '0000:02:00.0', '0000:02:01.0', '0000:04:00.0'], redirect: { at: '0000:02:00.0', control: 'RR' } });
    const svg = drawMachine(s);
    const paths = [...svg.matchAll(RED_PATH)].map((m) => m[1]!);
    expect(paths).toHaveLength(1);
    expect(paths[0]!.split(/[ML]/).filter(Boolean).length).toBeGreaterThanOrEqual(6);
    expect(svg).toMatch(/<circle [^>]*stroke="#d32f2f"/);
    expect(svg).toContain('red arrow = a peer-to-peer request the IOMMU never saw');
  });

  it('T1 with ACS: no peer-to-peer way; the port whose RR sent the write up is ringed green and named', () => {
    const s = hostState(ended('fixtures/scenarios/threats/t1-p2p-switch-protected.json'));
    expect(s.p2p).toEqual([]);
    expect(s.stopped).toEqual([expect.objectContaining({ source: '0000:03:00.0', at: '0000:02:00.0', text: '03:00.0 write at 0xe0100004, aimed at 04:00.0 BAR0: ACS RR at 02:00.0 sent it up to the IOMMU, which faulted it' })]);
    const svg = drawMachine(s);
    expect(svg).not.toMatch(RED_PATH);
    expect(svg).not.toMatch(/<circle [^>]*stroke="#d32f2f"/);
    expect(svg.match(/<circle [^>]*stroke="#2e7d32"/g)).toHaveLength(1);
    // the way up: 03:00.0 → 02:00.0 → 01:00.0 → 00:01.0 → the root complex, dashed green
    const up = /<path d="(M[^"]+)" fill="none" stroke="#2e7d32" stroke-width="2" stroke-dasharray="4 3"/.exec(svg);
    expect(up).not.toBeNull();
    expect(up![1]!.split(/[ML]/).filter(Boolean).length).toBeGreaterThanOrEqual(8);
    expect(svg).toContain('>Stopped by ACS (1)<');
  });

  it('T3: the spoofed requester id is dropped by ACS SV at the downstream port, and the picture says so', () => {
    const s = hostState(ended('fixtures/scenarios/threats/t3-rid-spoof-sv.json'));
    expect(s.stopped).toHaveLength(1);
    expect(s.stopped[0]).toMatchObject({ source: '0000:03:00.0', at: '0000:02:00.0', upToIommu: false });
    expect(drawMachine(s)).not.toContain('stroke-dasharray="4 3"');
    expect(s.stopped[0]!.text).toMatch(/^03:00\.0 write at 0x[0-9a-f]+ with requester id 0x[0-9a-f]{4}: dropped by ACS SV at 02:00\.0 /);
  });

  it.each(['t1-p2p-switch-vulnerable', 't2-intra-device-p2p', 't9-acs-override'])('%s: the escape text is in the picture whole', (name) => {
    const s = hostState(ended(`fixtures/scenarios/threats/${name}.json`));
    expect(s.p2p.length).toBeGreaterThan(0);
    const svg = drawMachine(s);
    const lines = textBoxes(svg).map((b) => b.text);
    const start = lines.findIndex((l) => l.startsWith('ESCAPE'));
    const whole = `ESCAPE ${s.p2p[0]!.source.slice(5)}: ${p2pText(s.p2p[0]!)}`;
    let joined = '';
    for (let i = start; i >= 0 && i < lines.length && joined.length < whole.length; i++) joined = joined === '' ? lines[i]! : `${joined} ${lines[i]!}`;
    expect(joined).toBe(whole);
    expect(whole).toContain('the IOMMU never saw it');
    expect(whole).toMatch(/ACS RR at \S+ would have sent it up to the IOMMU$/);
  });

  it('T11 without an IOMMU: the hostile device\'s write is listed as an escape, not "0 escape(s)"', () => {
    const s = hostState(ended('fixtures/scenarios/threats/t11-noiommu.json'));
    expect(s.unchecked).toEqual(['0000:03:00.0']);
    expect(s.escapes).toEqual([expect.objectContaining({ who: '0000:03:00.0', text: expect.stringMatching(/write 0x10000/) })]);
    expect(drawMachine(s)).toContain('>Isolation broken: 1 escape(s), 0 fault(s)<');
  });

  it('T12: the write in the boot window is an escape; the one after it is a fault', () => {
    const s = hostState(ended('fixtures/scenarios/threats/t12-boot-window-vulnerable.json'));
    expect(s.escapes).toEqual([expect.objectContaining({ who: '0000:03:00.0', text: 'hostile: write 0x10000 (untranslated) at t = 50 000 000 ns, before the IOMMU translated (from t = 100 000 000 ns): straight to memory' })]);
    expect(s.faults).toHaveLength(1);
    const p = hostState(ended('fixtures/scenarios/threats/t12-boot-window-protected.json'));
    expect(p.escapes).toEqual([]);
  });

  it('T7: a trusted ATS device\'s translated writes are escapes; an untrusted one\'s fault instead', () => {
    const s = hostState(ended('fixtures/scenarios/threats/t7-ats-bypass.json'));
    expect(s.faults).toEqual([]);
    expect(s.escapes.map((e) => e.text)).toEqual([
      'hostile: write 0x10000 (translated): a translated (ATS) request, which the IOMMU passes on without reading the page table',
      'hostile: write 0x100000 (translated): a translated (ATS) request, which the IOMMU passes on without reading the page table',
    ]);
    const u = hostState(ended('fixtures/scenarios/threats/t7-ats-untrusted.json'));
    expect(u.faults.length).toBeGreaterThan(0);
    expect(u.escapes).toEqual([]);
  });

  it('T2: inside the device, the function\'s own ACS is the one that would redirect', () => {
    const s = hostState(ended('fixtures/scenarios/threats/t2-intra-device-p2p.json'));
    expect(s.p2p[0]).toMatchObject({ via: 'internal', path: ['0000:01:00.0', '0000:01:00.1'], redirect: { at: '0000:01:00.0', control: 'RR' } });
  });
});

describe('the font table', () => {
  it('knows the picture\'s characters, bold is wider', () => {
    for (const c of '→·✕') expect(textWidth(c, 10)).toBeLessThan(10);
    expect(textWidth('group 17', 11, true)).toBeGreaterThan(textWidth('group 17', 11));
    expect(textWidth('0x100000', 10)).toBeCloseTo(10 * (637 * 7 + 592) / 1000, 5);
  });
});

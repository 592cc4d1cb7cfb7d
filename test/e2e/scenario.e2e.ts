/// <reference lib="dom" />
// (page.evaluate callbacks run in the browser)
/**
 * Scenario mode's new abilities in Chromium: stepping back (a replay to the step before),
 * step details with values (a store's value and width, an ioctl's struct fields), and the
 * user's own scenario — opened from a file or pasted — with every validation problem shown
 * under the editor with its field path, and nothing run.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOTS, startSession, type Session } from './browser.js';

let session: Session;
let page: Page;

beforeAll(async () => {
  session = await startSession();
  page = await session.open({ width: 1280, height: 800 });
});

afterAll(async () => {
  expect(session.errors).toEqual([]);
  await session?.close();
});

const text = async (sel: string): Promise<string> => (await page.locator(sel).textContent()) ?? '';

const MINE = {
  name: 'mine',
  title: 'my own scenario',
  description: 'Bind the edu device and open its group, pasted into the playground.',
  steps: [
    { op: 'bind', bdf: '0000:06:00.0', driver: 'vfio-pci' },
    { op: 'open', path: '/dev/vfio/vfio', as: 'container' },
    { op: 'open', path: '/dev/vfio/17', as: 'group' },
    { op: 'ioctl', fd: 'group', request: 'VFIO_GROUP_SET_CONTAINER', arg: 'container' },
    { op: 'ioctl', fd: 'container', request: 'VFIO_SET_IOMMU', arg: 'VFIO_TYPE1v2_IOMMU' },
  ],
};

describe('stepping back', () => {
  it('goes back one step: the run is replayed to the step before, trace and picture with it', async () => {
    for (let i = 0; i < 7; i++) await page.click('#step');
    expect(await text('#status')).toMatch(/^step 7 of \d+$/);
    expect(await text('#trace')).toContain('VFIO_GROUP_SET_CONTAINER');
    expect(await text('#picture')).toContain('container 0');
    await page.click('#back');
    expect(await text('#status')).toMatch(/^step 6 of \d+$/);
    expect(await page.locator('#steps li.ok').count()).toBe(6);
    expect(await text('#steps li.current')).toMatch(/^5\. ioctl\(group, VFIO_GROUP_GET_STATUS\)/);
    // step 6 (SET_CONTAINER) is undone: not in the trace, no container in the picture
    expect(await text('#trace')).not.toContain('VFIO_GROUP_SET_CONTAINER');
    expect(await text('#picture')).not.toContain('container 0');
    await page.click('#back');
    await page.click('#back');
    expect(await text('#status')).toMatch(/^step 4 of \d+$/);
    await page.keyboard.press('ArrowLeft'); // the arrow keys move too
    expect(await text('#status')).toMatch(/^step 3 of \d+$/);
    await page.keyboard.press('ArrowRight');
    expect(await text('#status')).toMatch(/^step 4 of \d+$/);
    await page.click('#reset');
    expect(await text('#status')).toMatch(/^step 0 of \d+$/);
    expect(await page.locator('#back').isDisabled()).toBe(true);
  });

  it('clicking a step moves there, forward or back', async () => {
    await page.click('#steps li[data-index="12"]');
    expect(await text('#status')).toMatch(/^step 13 of/);
    await page.click('#steps li[data-index="3"]');
    expect(await text('#status')).toMatch(/^step 4 of/);
    expect(await text('#details h2.title')).toBe('step 3: ioctl(container, VFIO_GET_API_VERSION)');
  });
});

describe('step details', () => {
  it('an ioctl shows its struct fields with values worked out', async () => {
    await page.click('#steps li[data-index="10"]'); // VFIO_IOMMU_MAP_DMA
    const details = await text('#details');
    expect(details).toContain('step 10: ioctl(container, VFIO_IOMMU_MAP_DMA)');
    expect(details).toContain('returned 0');
    const rows = Object.fromEntries(await page.locator('#details table.asked tr').evaluateAll((trs) => trs.map((tr) => [tr.children[0]!.textContent, tr.children[1]!.textContent])));
    expect(rows['arg.iova']).toBe('0x100000');
    expect(rows['arg.size']).toBe('0x10000');
    expect(rows['arg.vaddr']).toMatch(/^0x7e[0-9a-f]+$/); // $buf, the mmap's address
    expect(rows['arg.argsz']).toBe('32 (0x20)');
    expect(await text('#details .entry.syscall')).toContain('VFIO_IOMMU_MAP_DMA');
    await page.screenshot({ path: `${SHOTS}details-ioctl.png` });
  });

  it('a store shows its address, value and width; a load the value it read', async () => {
    await page.click('#steps li[data-index="18"]'); // store at $bar + 0x80: DMA source
    const rows = Object.fromEntries(await page.locator('#details table.asked tr').evaluateAll((trs) => trs.map((tr) => [tr.children[0]!.textContent, tr.children[1]!.textContent])));
    expect(rows['addr']).toMatch(/^\$bar \+ 0x80 = 0x7e[0-9a-f]+80$/);
    expect(rows['value']).toBe('0x100000 = 0x100000');
    expect(rows['size']).toBe('8');
    await page.click('#steps li[data-index="14"]'); // load 4 bytes at $bar: edu's identification
    expect(await text('#details .outcome')).toContain('returned 0x10000ed');
    await page.screenshot({ path: `${SHOTS}details-store-load.png` });
  });
});

describe('your own scenario', () => {
  it('pasted JSON loads and runs', async () => {
    await page.click('#scenario-edit-toggle');
    await page.fill('#scenario-json', JSON.stringify(MINE, null, 2));
    await page.click('#scenario-load');
    expect(await text('#scenario-errors')).toBe('');
    expect(await text('#description')).toContain('mine — my own scenario');
    expect(await page.locator('#steps li').count()).toBe(5);
    await page.click('#run');
    expect(await text('#status')).toBe('all 5 steps held');
    expect(await text('#picture')).toContain('container 0');
  });

  it('an invalid scenario shows every problem with its field path, beside the editor, and runs nothing', async () => {
    const bad = structuredClone(MINE) as { steps: Array<Record<string, unknown>> };
    bad.steps[3]!['request'] = 'VFIO_GROUP_SET_CONTAINR';
    bad.steps[4]!['fd'] = 'contaner';
    bad.steps.push({ op: 'mmap', length: 4096 });
    await page.fill('#scenario-json', JSON.stringify(bad, null, 2));
    await page.click('#scenario-load');
    const errors = await text('#scenario-errors');
    expect(errors).toContain('steps[3].request');
    expect(errors).toContain('steps[4].fd');
    expect(errors).toContain('steps[5]');
    // and the lines they are on are marked in the editor's gutter
    const marked = await page.locator('#scenario-editor .gutter .bad').allTextContents();
    const lines = JSON.stringify(bad, null, 2).split('\n');
    expect(marked).toContain(String(lines.findIndex((l) => l.includes('VFIO_GROUP_SET_CONTAINR')) + 1));
    expect(marked).toContain(String(lines.findIndex((l) => l.includes('"contaner"')) + 1));
    // the previous run is still on the stage, untouched
    expect(await text('#status')).toBe('all 5 steps held');
    const box = await page.locator('#scenario-errors').boundingBox();
    const editor = await page.locator('#scenario-json').boundingBox();
    expect(box!.y).toBeGreaterThan(editor!.y); // right under the editor
    expect(box!.y - (editor!.y + editor!.height)).toBeLessThan(80);
    await page.screenshot({ path: `${SHOTS}own-scenario-invalid.png` });
  });

  it('a JSON syntax error names the line and column and marks the line', async () => {
    await page.fill('#scenario-json', '{\n  "name": "x",\n  "steps": [ { "op": "note" "text": "a" } ]\n}');
    await page.click('#scenario-load');
    expect(await text('#scenario-errors')).toMatch(/line 3 column \d+/);
    expect(await text('#scenario-editor .gutter .bad')).toBe('3');
  });

  it('a scenario file opens from disk, naming a bundled machine by path', async () => {
    const file = { ...MINE, name: 'from-file', topology: '../topologies/example-1.json', steps: [{ op: 'bind', bdf: '0000:01:00.0', driver: 'vfio-pci' }, { op: 'open', path: '/dev/vfio/vfio' }] };
    await page.setInputFiles('#scenario-file', { name: 'from-file.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(file)) });
    await page.waitForFunction(() => document.getElementById('description')!.textContent!.includes('from-file'));
    expect(await text('#scenario-errors')).toBe('');
    expect(await text('#description')).toContain('from-file.json: from-file');
    await page.click('#run');
    expect(await text('#status')).toBe('all 2 steps held');
    expect(await text('#picture')).toContain('01:00.1'); // example-1's dual-port NIC
    await page.screenshot({ path: `${SHOTS}own-scenario-file.png` });
  });

  it('an invalid topology shows its field path in the topology pane', async () => {
    await page.click('#topo-box summary');
    await page.setInputFiles('#topology-file', { name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{ "name": "x", "pci": [ { "bdf": "nope", "type": "endpoint" } ] }') });
    await page.waitForFunction(() => document.getElementById('topo-errors')!.textContent !== '');
    expect(await text('#topo-errors')).toContain('topology.pci[0].bdf');
    expect(await page.locator('#topology-editor-host .gutter .bad').allTextContents()).toEqual(['1']);
    await page.click('#revert');
    expect(await text('#topo-errors')).toBe('');
  });
});

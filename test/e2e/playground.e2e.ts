/**
 * The playground in a real browser (test/e2e/browser.ts: vite serves playground/, Debian's
 * chromium loads it): we step a scenario, run one to its end, and edit a topology —
 * checking the picture, the trace and the groups change. Screenshots land in
 * test/e2e/screenshots/ for a human to look at.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOTS, startSession, type Session } from './browser.js';

let session: Session;
let page: Page;

beforeAll(async () => {
  session = await startSession();
  page = await session.open({ width: 1500, height: 1000 });
  expect(session.errors).toEqual([]);
});

afterAll(async () => {
  expect(session.errors).toEqual([]);
  await session?.close();
});

describe('playground', () => {
  it('opens on the default scenario with the machine drawn', async () => {
    expect(await page.locator('#scenario').inputValue()).toContain('default.json');
    expect(await page.locator('#picture svg').count()).toBe(1);
    expect(await page.locator('#picture').textContent()).toContain('group 17');
    expect(await page.locator('#status').textContent()).toMatch(/^step 0 of \d+$/);
  });

  it('steps: the trace grows and the step is marked', async () => {
    const before = (await page.locator('#trace').textContent())?.length ?? 0;
    await page.click('#step');
    await page.click('#step');
    expect(await page.locator('#status').textContent()).toMatch(/^step 2 of/);
    expect(await page.locator('#steps li.ok').count()).toBe(2);
    const trace = (await page.locator('#trace').textContent()) ?? '';
    expect(trace.length).toBeGreaterThan(before);
    expect(trace).toContain('bound to vfio-pci');
  });

  it('runs a scenario to its end: the container, the mapping and the faults appear', async () => {
    await page.selectOption('#scenario', { label: await page.locator('#scenario option', { hasText: '04-dma-fault' }).textContent() ?? '' });
    await page.click('#run');
    expect(await page.locator('#status').textContent()).toMatch(/^all \d+ steps held$/);
    const pic = (await page.locator('#picture').textContent()) ?? '';
    expect(pic).toContain('container 0');
    expect(pic).toContain('IOMMU faults (2)');
    expect(await page.locator('#trace').textContent()).toContain('DMAR');
    await page.screenshot({ path: `${SHOTS}run-04-dma-fault.png`, fullPage: true });
  });

  it('runs a threat-lab scenario from its subfolder and shows the escape in red', async () => {
    await page.selectOption('#scenario', { label: await page.locator('#scenario option', { hasText: 't1-p2p-switch-vulnerable' }).textContent() ?? '' });
    await page.click('#run');
    expect(await page.locator('#status').textContent()).toMatch(/^all \d+ steps held$/);
    expect(await page.locator('#picture').textContent()).toContain('Isolation broken: 1 escape(s)');
    await page.screenshot({ path: `${SHOTS}threat-t1.png` });
  });

  it('editing the topology re-forms the groups', async () => {
    await page.selectOption('#scenario', { label: await page.locator('#scenario option', { hasText: '01-why-groups' }).textContent() ?? '' });
    expect(await page.locator('#picture').textContent()).toContain('01:00.1');
    await page.click('#topo-box summary');
    const topo = JSON.parse(await page.locator('#topology').inputValue()) as { pci: Array<{ children: Array<{ acs?: string[]; acsQuirk?: string }> }> };
    for (const c of topo.pci[0]!.children) c.acsQuirk = 'isolated';
    await page.fill('#topology', JSON.stringify(topo, null, 2));
    await page.click('#apply');
    expect(await page.locator('#topo-errors').textContent()).toBe('');
    const groups = await page.locator('#picture text', { hasText: /^group \d+/ }).allTextContents();
    expect(groups.length).toBe(3); // the port, and each NIC function alone
    await page.fill('#topology', '{ "name": "x", "pci": [ { "bdf": "nope", "type": "endpoint" } ] }');
    await page.click('#apply');
    expect(await page.locator('#topo-errors').textContent()).toContain('topology.pci[0].bdf');
    await page.screenshot({ path: `${SHOTS}topology-error.png`, fullPage: true });
  });
});

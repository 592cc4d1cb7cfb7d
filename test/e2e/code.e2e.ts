/// <reference lib="dom" />
// (page.evaluate callbacks run in the browser)
/**
 * The code pane in Chromium: a student's driver code runs in a worker against the package's
 * API, the pictures follow it step by step (forward and back), errors are shown readably
 * with their line (a SystemError with errno and the kernel's check, a TypeError, a syntax
 * error), TypeScript runs with its types erased, and a loop that never ends is stopped.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOTS, startSession, type Session } from './browser.js';

let session: Session;
let page: Page;

beforeAll(async () => {
  session = await startSession();
  page = await session.open({ width: 1280, height: 800 }, '#code');
});

afterAll(async () => {
  expect(session.errors).toEqual([]);
  await session?.close();
});

const text = async (sel: string): Promise<string> => (await page.locator(sel).textContent()) ?? '';

async function runCode(code?: string): Promise<void> {
  if (code !== undefined) await page.fill('#code', code);
  await page.click('#code-run');
  await page.waitForSelector('body[data-code-run="done"]', { timeout: 90_000 });
}

async function example(prefix: string): Promise<void> {
  const value = await page.locator('#example option').evaluateAll((os, p) => os.map((o) => (o as HTMLOptionElement).value).find((v) => v.includes(p)), prefix);
  await page.selectOption('#example', value!);
}

describe('driver code', () => {
  it('opens on the code pane with the lessons as examples', async () => {
    const names = await page.locator('#example option').allTextContents();
    expect(names.length).toBeGreaterThanOrEqual(4);
    expect(names.join('\n')).toMatch(/vfio\.rst/);
    expect(names.join('\n')).toMatch(/iommufd/);
    expect(await page.locator('#code').inputValue()).toContain("from 'vfio-sim'");
  });

  it('runs the legacy vfio.rst flow: every syscall a step, the picture following it forward and back', async () => {
    await example('1-vfio-rst');
    await runCode();
    expect(await text('#status')).toMatch(/^ran to the end: \d+ step\(s\)$/);
    expect(await text('#code-errors')).toBe('');
    expect(await text('#console')).toContain('IOVA page sizes');
    const steps = await page.locator('#steps li').allTextContents();
    expect(steps[0]).toMatch(/new Host\(\)/);
    const setContainer = steps.findIndex((s) => s.includes('VFIO_GROUP_SET_CONTAINER'));
    expect(setContainer).toBeGreaterThan(0);
    // at the end: the group in a container with the 1 MiB mapping
    expect(await text('#picture')).toContain('container 0');
    await page.screenshot({ path: `${SHOTS}code-vfio-rst-end.png` });
    // back to the step before SET_CONTAINER: no container yet
    await page.click(`#steps li[data-index="${setContainer - 1}"]`);
    expect(await text('#picture')).not.toContain('container 0');
    expect(await text('#trace')).not.toContain('VFIO_GROUP_SET_CONTAINER');
    await page.click('#step');
    expect(await text('#picture')).toContain('container 0');
    expect(await text('#details h2.title')).toContain('VFIO_GROUP_SET_CONTAINER');
    await page.screenshot({ path: `${SHOTS}code-vfio-rst-step.png` });
  });

  it("step details: an ioctl's struct as the kernel left it, a store's value and width", async () => {
    const steps = await page.locator('#steps li').allTextContents();
    await page.click(`#steps li[data-index="${steps.findIndex((s) => s.includes('VFIO_IOMMU_GET_INFO'))}"]`);
    const rows = Object.fromEntries(await page.locator('#details table.asked tr').evaluateAll((trs) => trs.map((tr) => [tr.children[0]!.textContent, tr.children[1]!.textContent])));
    expect(rows['arg.argsz']).toBeDefined();
    expect(rows['arg.iova_pgsizes']).toMatch(/^0x[0-9a-f]*000$/); // written back by the kernel
    await example('3-edu-dma');
    await runCode();
    const all = await page.locator('#steps li').allTextContents();
    const store = all.findIndex((s) => /^\d+\. write64\(0x[0-9a-f]+, 0x100000\)$/.test(s));
    expect(store).toBeGreaterThan(0);
    await page.click(`#steps li[data-index="${store}"]`);
    const st = Object.fromEntries(await page.locator('#details table.asked tr').evaluateAll((trs) => trs.map((tr) => [tr.children[0]!.textContent, tr.children[1]!.textContent])));
    expect(st['width']).toBe('8 byte(s)');
    expect(st['value stored']).toBe('0x100000');
    const load = all.findIndex((s) => /read32\(0x[0-9a-f]+\) = 0x10000ed/.test(s)); // edu's identification
    expect(load).toBeGreaterThan(0);
    await page.screenshot({ path: `${SHOTS}code-details-store.png` });
  });

  it('runs the iommufd cdev flow with edu DMA, and the fault after the unmap is drawn', async () => {
    await example('2-iommufd');
    await runCode();
    expect(await text('#status')).toMatch(/^ran to the end/);
    expect(await text('#console')).toMatch(/faults: \[ "read 0x[0-9a-f]+" \]/);
    expect(await text('#picture')).toMatch(/IOMMU faults \(1\)|fault/i);
    expect(await text('#trace')).toContain('IOMMU_IOAS_MAP');
    // the clock run after the unmap is a step of its own, holding the fault
    const steps = await page.locator('#steps li').allTextContents();
    const advance = steps.findIndex((s) => s.includes('host.advance(200000000 ns)'));
    expect(advance).toBeGreaterThan(0);
    await page.click(`#steps li[data-index="${advance}"]`);
    expect(await text('#details')).toMatch(/DMAR|fault/);
  });

  it('a failing syscall is a SystemError with errno, the kernel check and the line, marked in the editor', async () => {
    await example('3-edu-dma');
    const src = readFileSync(new URL('../../playground/examples/3-edu-dma.js', import.meta.url), 'utf8').split('\n');
    const line = src.findIndex((l) => l.includes('the mistake')) + 2;
    await runCode();
    const err = await text('#code-errors');
    expect(err).toContain(`SystemError EEXIST (errno -17) at line ${line}`);
    expect(err).toContain('ioctl VFIO_IOMMU_MAP_DMA');
    expect(err).toContain("the kernel's check: vfio_dma_do_map");
    expect(await text('#code-editor-host .gutter .bad')).toBe(String(line));
    expect(await text('#console')).toContain('hello, device');
    expect(await page.locator('#steps li.failed').count()).toBeGreaterThanOrEqual(1);
    expect(await text('#details .messages')).toContain('SystemError at line');
    await page.screenshot({ path: `${SHOTS}code-systemerror.png` });
  });

  it('TypeScript runs with its types erased', async () => {
    await example('4-readme');
    await runCode();
    expect(await text('#code-errors')).toBe('');
    expect(await text('#status')).toMatch(/^ran to the end/);
    expect(await text('#console')).toContain('EINVAL -22 vfio_ioctl_set_iommu');
  });

  it('a TypeError and a syntax error name their line; the page stays usable', async () => {
    await runCode("import { Host } from 'vfio-sim';\nconst p = new Host(topology).spawn();\n\np.ioctl('three', 1);\n");
    expect(await text('#code-errors')).toMatch(/^TypeError ERR_INVALID_ARG_TYPE at line 4/);
    expect(await text('#code-errors')).toContain('The "fd" argument must be');
    await runCode('const a = 1;\nconst b = ;\n');
    expect(await text('#code-errors')).toMatch(/SyntaxError.*line 2/);
    await runCode("import { Nope } from 'vfio-sim';\n");
    expect(await text('#code-errors')).toContain("'vfio-sim' has no export named Nope");
  });

  it('the code gets the machine in the topology pane as `topology`', async () => {
    await page.click('#topo-box summary');
    const topo = JSON.parse(await page.locator('#topology').inputValue()) as { name: string };
    topo.name = 'my-bench';
    await page.fill('#topology', JSON.stringify(topo, null, 2));
    await page.click('#apply');
    expect(await text('#topo-errors')).toBe('');
    await runCode("import { Host } from 'vfio-sim';\nconst host = new Host(topology);\nconsole.log(host.topology.name);\n");
    expect(await text('#console')).toBe('my-bench');
    expect(await text('#steps li >> nth=0')).toContain('new Host(): machine "my-bench" booted');
    expect(await text('#picture')).toContain('my-bench');
    await page.click('#revert');
    await page.click('#topo-box summary');
  });

  it('a loop that never ends is stopped by the Stop button, the steps so far kept', async () => {
    await page.fill('#code', "import { Host, uapi } from 'vfio-sim';\nconst p = new Host(topology).spawn();\np.open('/dev/vfio/vfio', uapi.O_RDWR);\nwhile (true) {}\n");
    await page.click('#code-run');
    await page.waitForSelector('#code-stop:not([disabled])');
    await page.waitForFunction(() => document.querySelectorAll('#steps li').length >= 2);
    await page.click('#code-stop');
    await page.waitForSelector('body[data-code-run="done"]');
    expect(await text('#status')).toMatch(/^stopped \(\d+ step\(s\) so far\)$/);
    expect(await text('#steps')).toContain('open("/dev/vfio/vfio"');
    await page.click('#tab-scenario'); // the page still answers
    expect(await page.locator('#scenario-pane').isVisible()).toBe(true);
    await page.click('#tab-code');
  });
});

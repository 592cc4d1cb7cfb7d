/// <reference lib="dom" />
// (page.evaluate callbacks run in the browser)
/**
 * Readable down to a laptop-width window: at 1280×720 and 1024×700 (and a narrow 760 px)
 * the page never scrolls sideways, in either mode, and every pane stays inside the window.
 * Screenshots of each for a human to look at.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOTS, sidewaysOverflow, startSession, type Session } from './browser.js';

let session: Session;

beforeAll(async () => {
  session = await startSession();
});

afterAll(async () => {
  expect(session.errors).toEqual([]);
  await session?.close();
});

/** Right edges of the visible panes, which must all be inside the window. */
async function paneEdges(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const out: Record<string, number> = {};
    for (const id of ['side', 'picture-box', 'details', 'trace-box', 'steps', 'status']) {
      const el = document.getElementById(id);
      if (el !== null && el.offsetParent !== null) out[id] = el.getBoundingClientRect().right;
    }
    return out;
  });
}

const SIZES = [
  { width: 1280, height: 720 },
  { width: 1024, height: 700 },
  { width: 760, height: 900 },
] as const;

describe.each(SIZES)('at $width×$height', (size) => {
  it('scenario mode: no sideways scroll, every pane inside the window', async () => {
    const page = await session.open(size);
    await page.selectOption('#scenario', { label: (await page.locator('#scenario option', { hasText: '04-dma-fault' }).textContent()) ?? '' });
    await page.click('#run');
    await page.click('#back');
    expect(await sidewaysOverflow(page)).toBe(0);
    for (const [id, right] of Object.entries(await paneEdges(page))) expect(right, id).toBeLessThanOrEqual(size.width);
    await page.screenshot({ path: `${SHOTS}layout-${size.width}x${size.height}-scenario.png` });
    await page.click('#topo-box summary');
    await page.click('#scenario-edit-toggle');
    expect(await sidewaysOverflow(page)).toBe(0);
    await page.close();
  });

  it('code mode: no sideways scroll, every pane inside the window', async () => {
    const page = await session.open(size, '#code');
    await page.click('#code-run');
    await page.waitForSelector('body[data-code-run="done"]', { timeout: 90_000 });
    expect(await sidewaysOverflow(page)).toBe(0);
    for (const [id, right] of Object.entries(await paneEdges(page))) expect(right, id).toBeLessThanOrEqual(size.width);
    await page.screenshot({ path: `${SHOTS}layout-${size.width}x${size.height}-code.png` });
    await page.close();
  });
});

/// <reference lib="dom" />
// (page.evaluate callbacks run in the browser)
/**
 * The browser side of the e2e tests: vite serves playground/, Debian's chromium (headless,
 * driven by playwright-core, nothing downloaded; scripts/e2e/prepare.sh installs it) loads
 * it. Page errors and console errors are collected so a test can insist there were none.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
/** Flags that work in a container with no GPU, no sandbox and no network beyond localhost. */
export const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Screenshots for a human to look at (gitignored). */
export const SHOTS = new URL('./screenshots/', import.meta.url).pathname;

export interface Session {
  readonly server: ViteDevServer;
  readonly browser: Browser;
  readonly url: string;
  /** Page errors (uncaught exceptions) and console.error messages, as they happen. */
  readonly errors: string[];
  open(viewport: { width: number; height: number }, hash?: string): Promise<Page>;
  close(): Promise<void>;
}

export async function startSession(): Promise<Session> {
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: run \`bash scripts/e2e/prepare.sh\` (as root it apt-get installs Debian's chromium), or set CHROMIUM_PATH`);
  mkdirSync(SHOTS, { recursive: true });
  const server = await createServer({ configFile: 'playground/vite.config.ts', server: { port: 0, host: '127.0.0.1' }, logLevel: 'error' });
  await server.listen();
  const url = server.resolvedUrls?.local[0];
  if (url === undefined) throw new Error('vite did not report a URL');
  // launch() gives every run a new, empty profile directory of its own (--user-data-dir)
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  const errors: string[] = [];
  return {
    server,
    browser,
    url,
    errors,
    async open(viewport, hash = '') {
      const page = await browser.newPage({ viewport });
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
      await page.goto(url + hash);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 90_000 });
      return page;
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** How far the page can scroll sideways (0: no horizontal scroll). */
export async function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - document.documentElement.clientWidth);
}

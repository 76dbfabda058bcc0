/**
 * Opens report pages in headless Chromium (Debian's `chromium`, driven by playwright-core) with
 * the network blocked: every request that is not the page's own file (or, for a heatmap, a file
 * of its directory) is failed and recorded, as are console errors and uncaught exceptions.
 * Screenshots go to test-artifacts/ (gitignored) for a person to look at.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from './interpreters.js';

export const CHROMIUM = process.env.TACHYON_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');

export function missingChromiumMessage(): string {
  return `MISSING BROWSER ${CHROMIUM}: install it with: apt-get install -y chromium (scripts/setup.sh --test does)`;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, chromiumSandbox: false, args: ['--no-sandbox', '--disable-gpu'] });
}

export interface OpenedPage {
  page: Page;
  /** Console errors and uncaught exceptions. */
  errors: string[];
  /** Requests that tried to leave the allowed files (all were failed). */
  blocked: string[];
}

/** Opens `file` with the network cut off; files under `allowedDir` (default: its own directory) may load. */
export async function openOffline(browser: Browser, file: string, options: { allowedDir?: string; width?: number; height?: number; hash?: string } = {}): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1400, height: options.height ?? 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  const blocked: string[] = [];
  const allowed = pathToFileURL(options.allowedDir ?? path.dirname(file)).href + '/';
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (url.startsWith(allowed) && !url.slice(allowed.length).includes('..')) await route.continue();
    else {
      blocked.push(url);
      await route.abort('blockedbyclient');
    }
  });
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('requestfailed', (request) => {
    const url = request.url();
    if (!blocked.includes(url) && !url.startsWith(allowed)) blocked.push(url);
  });
  await page.goto(pathToFileURL(file).href + (options.hash ?? ''), { waitUntil: 'load' });
  return { page, errors, blocked };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

export function chromiumPresent(): boolean {
  return existsSync(CHROMIUM);
}

/**
 * `--speedscope` output loads in speedscope's own importer: the pinned `speedscope` package's
 * app, opened offline in headless Chromium, is handed the file through its file picker and must
 * show it (its title becomes the profile's name, one entry per thread) without an "unrecognized
 * format" alert or a console error.
 */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { writeSpeedscope } from '../../src/output/speedscope.js';
import { chromiumPresent, launchBrowser, missingChromiumMessage, openOffline, screenshot } from '../helpers/browser.js';
import { REPO_ROOT } from '../helpers/interpreters.js';
import { profileFromText } from '../helpers/profile-from-text.js';

const APP = path.join(REPO_ROOT, 'node_modules', 'speedscope', 'dist', 'release', 'index.html');
const work = mkdtempSync(path.join(tmpdir(), 'tachyon-speedscope-'));

t.test('speedscope imports our file', async (t) => {
  if (!chromiumPresent()) return t.fail(missingChromiumMessage());
  const profile = profileFromText(`tid:1;/app/main.py:main:10;/app/main.py:parse:20 60
tid:1;/app/main.py:main:10;/app/main.py:render:30 25
tid:2;/app/worker.py:run:3;/app/util.py:checksum:5 40`);
  const file = path.join(work, 'profile.speedscope.json');
  writeFileSync(file, writeSpeedscope(profile));
  const expectedName = (JSON.parse(writeSpeedscope(profile)) as { name: string }).name;

  const browser: Browser = await launchBrowser();
  t.teardown(() => browser.close());
  const { page, errors, blocked } = await openOffline(browser, APP);
  const alerts: string[] = [];
  page.on('dialog', async (dialog) => {
    alerts.push(dialog.message());
    await dialog.dismiss();
  });
  await page.locator('input[type=file]').first().setInputFiles(file);
  await page.waitForFunction((name) => document.title.includes(name), expectedName, { timeout: 15_000 }).catch(() => undefined);
  await screenshot(page, 'speedscope-import');
  t.match(await page.title(), expectedName, `speedscope shows the profile by its name (${expectedName})`);
  t.same(alerts, [], 'no import error alert');
  t.same(errors, [], 'no console error');
  t.same(blocked, [], 'nothing left the machine');
  // Both threads are there: speedscope names the current one in its toolbar ("Thread 1 (1/2)").
  t.match(await page.locator('body').innerText(), /Thread \d+ \(\d\/2\)|1\/2/, 'speedscope lists two profiles, one per thread');
});

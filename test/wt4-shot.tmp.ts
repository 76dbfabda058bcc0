import { launchBrowser, openOffline, screenshot } from './helpers/browser.js';
const b = await launchBrowser();
const [file, name, hash] = process.argv.slice(2);
const o = await openOffline(b, file, { hash });
await o.page.waitForSelector('body[data-ready=true]', { timeout: 10000 }).catch(() => {});
console.log('errors', o.errors, 'blocked', o.blocked);
console.log(await o.page.locator('#shown').textContent().catch(() => ''));
console.log(await screenshot(o.page, name));
await b.close();

/**
 * Screenshots of the alive demo as a new user sees it (not a test): the server plays the
 * tri-county story with its simulator (time-scaled), and the commander's console, 德清's console
 * and the wall are captured mid-search and at the end; the console also at 1920×1080, on a 4K screen
 * at 200 % and in English.
 * `node --import tsx test/e2e/take-demo-screenshots.ts [outDir]` after `pnpm build`.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assertClientBuilt, launchBrowser, loginAs, newContext } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';

assertClientBuilt();
const out = process.argv[2] ?? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
mkdirSync(out, { recursive: true });
const SCALE = Number(process.env.DEMO_TIME_SCALE ?? 1);
const server = await startServer(null, { simulate: true, demoTimeScale: SCALE });
const browser = await launchBrowser(null);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const open = async (
  user: string,
  hash: string,
  viewport: { width: number; height: number },
  options: { scale?: number; lang?: 'en' } = {},
) => {
  const { context } = await newContext(browser, { viewport });
  if (options.lang) await context.addInitScript((lang) => localStorage.setItem('jointmap.locale', lang), options.lang);
  const page = await context.newPage();
  await loginAs(page, server.url, user, DEMO_PASSWORD, hash);
  // With units moving the map is never idle for long: wait for its style, then let it draw.
  await page.waitForSelector('[data-testid=map][data-loaded=true]', { timeout: 60_000 });
  return page;
};
/** A 4K screen as desktops run it: 3840×2160 device pixels at 200 % (the console is sized in CSS pixels). */
const open4k = async (user: string, hash: string) => {
  const context = await browser.newContext({
    viewport: { width: 1920, height: 1080 },
    deviceScaleFactor: 2,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  await context.route(
    (url) => !['127.0.0.1', 'localhost'].includes(url.hostname),
    (route) => route.abort(),
  );
  const page = await context.newPage();
  await loginAs(page, server.url, user, DEMO_PASSWORD, hash);
  await page.waitForSelector('[data-testid=map][data-loaded=true]', { timeout: 60_000 });
  return page;
};
const commander = await open('commander', `#/op/${DEMO_OP}`, { width: 1600, height: 1000 });
const deqing = await open('deqing', `#/op/${DEMO_OP}`, { width: 1600, height: 1000 });
const wall = await open('wall', `#/wall/${DEMO_OP}`, { width: 1920, height: 1080 });
const console1080 = await open('commander', `#/op/${DEMO_OP}`, { width: 1920, height: 1080 });
const console4k = await open4k('commander', `#/op/${DEMO_OP}`);
const consoleEn = await open('commander', `#/op/${DEMO_OP}`, { width: 1600, height: 1000 }, { lang: 'en' });
const wallEn = await open('wall', `#/wall/${DEMO_OP}`, { width: 1920, height: 1080 }, { lang: 'en' });

// The story: task at 10 s, answers at 20 s, search and dispatch at 30 s, found at about 4 min;
// units sweep in real time, so the mid-search shots come late in the search.
await sleep(((2 * 60 + 20) * 1000 * SCALE) | 0);
await commander.locator('[data-testid=task-row]').first().click();
await deqing.locator('[data-testid=task-row]').first().click();
await sleep(3000);
await commander.screenshot({ path: `${out}/demo-commander-search.png` });
await deqing.screenshot({ path: `${out}/demo-deqing-task.png` });
await wall.screenshot({ path: `${out}/demo-wall-search.png` });
for (const page of [console1080, console4k, consoleEn]) await page.locator('[data-testid=task-row]').first().click();
await sleep(3000);
await console1080.screenshot({ path: `${out}/demo-console-1080p.png` });
await console4k.screenshot({ path: `${out}/demo-console-4k.png` });
await consoleEn.screenshot({ path: `${out}/demo-console-en.png` });
await wallEn.screenshot({ path: `${out}/demo-wall-en.png` });
console.log('mid-search screenshots taken');
await sleep((2 * 60 * 1000 * SCALE) | 0);
await commander.screenshot({ path: `${out}/demo-commander-found.png` });
await wall.screenshot({ path: `${out}/demo-wall-found.png` });
console.log('end screenshots taken');
await browser.close();
await server.close();
process.exit(0);

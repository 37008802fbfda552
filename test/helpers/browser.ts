import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import type { Teardown } from './server.ts';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const clientDist = new URL('../../client/dist/index.html', import.meta.url).pathname;

/** The e2e tests drive the built client; they never build it themselves. */
export function assertClientBuilt(): void {
  if (!existsSync(clientDist)) {
    throw new Error(`client/dist is missing (${clientDist}): run \`pnpm build\` before the browser tests`);
  }
}

/**
 * Debian Chromium, headless, with WebGL on SwiftShader and every background service that could
 * phone home switched off. Closed when the test finishes.
 */
export async function launchBrowser(t: Teardown | null): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
      '--no-first-run',
      '--disable-domain-reliability',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
      '--ignore-gpu-blocklist',
    ],
  });
  t?.onTestFinished(() => browser.close());
  return browser;
}

/** Requests a page or context attempted to any host other than 127.0.0.1 (they are aborted). */
export interface RequestGuard {
  outside: string[];
}

/**
 * A fresh context (own storage, own IndexedDB) whose requests outside 127.0.0.1 are blocked and
 * recorded, so a test can assert that none was attempted.
 */
export async function newContext(
  browser: Browser,
  options: { viewport?: { width: number; height: number }; locale?: string } = {},
): Promise<{ context: BrowserContext; guard: RequestGuard }> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 800 },
    locale: options.locale ?? 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    serviceWorkers: 'allow',
  });
  const guard: RequestGuard = { outside: [] };
  await context.route(
    (url) => !isLocal(url),
    (route) => {
      guard.outside.push(route.request().url());
      return route.abort('blockedbyclient');
    },
  );
  context.on('request', (req: Request) => {
    if (!isLocal(new URL(req.url())) && !guard.outside.includes(req.url())) guard.outside.push(req.url());
  });
  return { context, guard };
}

function isLocal(url: URL): boolean {
  if (url.protocol === 'data:' || url.protocol === 'blob:' || url.protocol === 'about:') return true;
  return url.hostname === '127.0.0.1';
}

/** Sign in through the login form and land on `hash` (e.g. `#/op/demo-tricounty`). */
export async function loginAs(
  page: Page,
  baseUrl: string,
  username: string,
  password: string,
  hash: string,
): Promise<void> {
  await page.goto(`${baseUrl}/#/login?next=${encodeURIComponent(hash)}`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForFunction((h) => location.hash === h, hash);
}

/** Wait until the map of the page has loaded and rendered everything it has (idle). */
export async function waitForMap(page: Page): Promise<void> {
  await page.waitForSelector('[data-testid=map][data-loaded=true]', { timeout: 60_000 });
  await page.waitForFunction(
    () => {
      const j = (window as unknown as { jointmapMap?: { loaded(): boolean; areTilesLoaded(): boolean } }).jointmapMap;
      return !!j && j.loaded() && j.areTilesLoaded();
    },
    undefined,
    { timeout: 60_000 },
  );
}

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import type { Teardown } from './server.ts';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const clientDist = fileURLToPath(new URL('../../client/dist/index.html', import.meta.url));

/** The e2e tests drive the built client; they never build it themselves. */
export function assertClientBuilt(): void {
  if (!existsSync(clientDist)) {
    throw new Error(`client/dist is missing (${clientDist}): run \`pnpm build\` before the browser tests`);
  }
}

const LAUNCH_ARGS = [
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
];

/** The browser process the browser tests of this worker share (JOINTMAP_SHARED_BROWSER=1). */
let shared: Promise<Browser> | null = null;

/**
 * Debian Chromium, headless, with WebGL on SwiftShader and every background service that could
 * phone home switched off. Closed when the test finishes.
 *
 * With `JOINTMAP_SHARED_BROWSER=1` (the e2e project) every test of a worker gets a lease on one
 * Chromium process instead: closing the lease (at the test's end) closes the contexts made through
 * it, never the process. Tests stay apart as before (a context has its own storage, cache,
 * service workers and renderer processes); what they share is the process's warm state, above all
 * the GPU process's compiled shaders: a console's first page load in a fresh Chromium costs about
 * 3 s more CPU than in one that has drawn the map before. A browser that died is launched again.
 */
export async function launchBrowser(t: Teardown | null): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium`);
  if (process.env.JOINTMAP_SHARED_BROWSER !== '1') {
    const browser = await launch();
    t?.onTestFinished(() => browser.close());
    return browser;
  }
  const running = await shared?.catch(() => null);
  if (!running?.isConnected()) shared = launch();
  const browser = lease(await shared!);
  t?.onTestFinished(() => browser.close());
  return browser;
}

const launch = () => chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: LAUNCH_ARGS });

/** `browser` as one test's own: its `close()` closes the contexts made through it, not the process. */
function lease(browser: Browser): Browser {
  const contexts = new Set<BrowserContext>();
  return new Proxy(browser, {
    get(target, prop) {
      if (prop === 'newContext') {
        return async (...args: Parameters<Browser['newContext']>) => {
          const context = await target.newContext(...args);
          contexts.add(context);
          context.once('close', () => contexts.delete(context));
          return context;
        };
      }
      if (prop === 'newPage') {
        return () => Promise.reject(new Error('a leased browser opens pages through newContext()'));
      }
      if (prop === 'close') {
        return async () => {
          await Promise.all([...contexts].map((c) => c.close().catch(() => undefined)));
          contexts.clear();
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * Everything a context attempted to reach outside 127.0.0.1: HTTP requests (aborted), WebSockets
 * and the requests of its dedicated and service workers (recorded; a test asserts there is none).
 */
export interface RequestGuard {
  outside: string[];
}

/**
 * A fresh context (own storage, own IndexedDB) whose requests outside 127.0.0.1 are recorded, and
 * blocked where Playwright can (HTTP), so a test can assert that none was attempted.
 *
 * The console's service worker (the offline app shell) runs only where a test asks for it
 * (`serviceWorker: true`: the offline tests and the request guard). Its install caches the whole
 * build, some 350 font files among them, which costs every fresh context seconds of CPU on a
 * 2-core machine; it serves same-origin shell files only, so a test of anything else sees the
 * same pages without it.
 */
export async function newContext(
  browser: Browser,
  options: { viewport?: { width: number; height: number }; locale?: string; serviceWorker?: boolean } = {},
): Promise<{ context: BrowserContext; guard: RequestGuard }> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 800 },
    locale: options.locale ?? 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    serviceWorkers: options.serviceWorker ? 'allow' : 'block',
  });
  const guard: RequestGuard = { outside: [] };
  const record = (url: string) => {
    if (!isLocalUrl(url) && !guard.outside.includes(url)) guard.outside.push(url);
  };
  await context.route(
    (url) => !isLocal(url),
    (route) => {
      record(route.request().url());
      return route.abort('blockedbyclient');
    },
  );
  // HTTP of pages, dedicated workers and service workers (Playwright reports all three here).
  context.on('request', (req: Request) => record(req.url()));
  const watching = new WeakMap<Page, Promise<void>>();
  const watch = (page: Page) => {
    let ready = watching.get(page);
    if (!ready) {
      // WebSockets of the page and of its dedicated workers; not those of service workers.
      page.on('websocket', (ws) => record(ws.url()));
      ready = watchWithCdp(context, page, record);
      watching.set(page, ready);
    }
    return ready;
  };
  context.on('page', (page) => void watch(page));
  // A page the test opens is watched before it can navigate, so a worker it starts at once (a
  // service worker registered on load) is already paused for the CDP watch (popups: on 'page').
  const newPage = context.newPage.bind(context);
  context.newPage = async () => {
    const page = await newPage();
    await watch(page);
    return page;
  };
  return { context, guard };
}

/**
 * The page's own CDP view: its WebSockets (`Network.webSocketCreated`), and, auto-attached, its
 * dedicated workers and service workers with their requests and WebSockets. Child targets are
 * driven through the page session (non-flat protocol), so one Playwright CDP session reaches them.
 * A new worker waits for a debugger, but Playwright's own session may release it first: what a
 * service worker does in its very first script turn can precede our watch (its HTTP is still seen
 * through `context.on('request')`; only such an early WebSocket could slip by).
 */
async function watchWithCdp(context: BrowserContext, page: Page, record: (url: string) => void): Promise<void> {
  try {
    const cdp = await context.newCDPSession(page);
    let id = 0;
    const send = (sessionId: string, method: string) =>
      cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: ++id, method }) });
    cdp.on('Network.webSocketCreated', (e) => record(e.url));
    cdp.on('Target.attachedToTarget', ({ sessionId }) => {
      void send(sessionId, 'Network.enable')
        .then(() => send(sessionId, 'Runtime.runIfWaitingForDebugger'))
        .catch(() => undefined); // the target went away first
    });
    cdp.on('Target.receivedMessageFromTarget', ({ message }) => {
      const m = JSON.parse(message) as { method?: string; params?: { url?: string; request?: { url?: string } } };
      if (m.method === 'Network.webSocketCreated' && m.params?.url) record(m.params.url);
      else if (m.method === 'Network.requestWillBeSent' && m.params?.request?.url) record(m.params.request.url);
    });
    await cdp.send('Network.enable');
    await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: false });
  } catch {
    // The page closed before the session was set up: nothing left to watch.
  }
}

function isLocalUrl(url: string): boolean {
  try {
    return isLocal(new URL(url));
  } catch {
    return false;
  }
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

import { afterAll, beforeAll } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer, type TestServer } from '../helpers/server.ts';

export interface ConsoleOptions {
  /** The demo account that signs in (password DEMO_PASSWORD). */
  user: string;
  viewport?: { width: number; height: number };
  /** The browser's locale (zh-CN when not given). */
  locale?: string;
  /** The interface language the console opens in. */
  lang: 'zh-CN' | 'en';
}

/**
 * One server and one browser for all the tests of a file: started before the first, closed after
 * the last (with every context opened on them, first). Call it at the top of the file; the tests
 * share the server's documents, so each leaves what it draws for the next.
 *
 * @example
 * const consoles = sharedConsoles();
 * test('…', async () => {
 *   const page = await consoles.open({ user: 'deqing', lang: 'en' });
 * });
 */
export function sharedConsoles(): {
  /** The operation's console in a fresh context, signed in, once its map and roster show. */
  open(options: ConsoleOptions): Promise<Page>;
} {
  let server: TestServer;
  let browser: Browser;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    assertClientBuilt();
    server = await startServer(null);
    browser = await launchBrowser(null);
    closers.push(
      () => browser.close(),
      () => server.close(),
    );
  }, 60_000);
  afterAll(async () => {
    for (const close of closers) await close();
  });

  return {
    async open({ user, viewport, locale, lang }) {
      const { context } = await newContext(browser, { viewport, locale });
      closers.unshift(() => context.close());
      await context.addInitScript((l) => localStorage.setItem('jointmap.locale', l), lang);
      const page = await context.newPage();
      await loginAs(page, server.url, user, DEMO_PASSWORD, `#/op/${DEMO_OP}`);
      await waitForMap(page);
      await page.waitForSelector('[data-testid=roster-unit]');
      return page;
    },
  };
}

import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import * as Y from 'yjs';
import { docName } from '@jointmap/shared';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { LinkProxy } from '../helpers/link-proxy.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer, type TestServer, type Teardown } from '../helpers/server.ts';
import { connectClient, eventually } from '../helpers/sync-client.ts';
import { bigLine } from '../sync/big-line.test-support.ts';
import type { PageHooks } from './map-actions.ts';

/**
 * A document's answer is one WebSocket message, and the browser hands a message over only once
 * all of it has arrived: on a slow link the page hears nothing while a large answer is on the
 * wire. It must wait for it, not take the silence for a dead link and ask for it again for ever.
 */

const STATION = 'deqing-yuyue';
/** What the slow link carries, from the server to the browser. */
const RATE = 30_000;
/** Added while the link was cut: ten seconds of the slow link (the silence limit is 6 s). */
const ADDED_BYTES = 300_000;

/** Lines drawn elsewhere on the station's document, `bytes` of them in all; their ids. */
async function drawElsewhere(t: Teardown, server: TestServer, bytes: number): Promise<string[]> {
  const { token } = await server.login('deqing');
  const client = await connectClient(t, server.wsUrl, docName(DEMO_OP, STATION), token);
  const annotations = client.doc.getMap('annotations');
  const start = Y.encodeStateAsUpdate(client.doc).length;
  const ids: string[] = [];
  for (let i = 0; Y.encodeStateAsUpdate(client.doc).length - start < bytes; i++) {
    const id = `a-slowlink-${String(i).padStart(3, '0')}`;
    annotations.set(id, bigLine(id, i));
    ids.push(id);
  }
  const room = await server.ctx.rooms.get(docName(DEMO_OP, STATION));
  await eventually(() => ids.every((id) => room.doc.getMap('annotations').has(id)), 10_000, 'the server has them');
  expect(client.rejections).toEqual([]);
  client.destroy();
  return ids;
}

const pageHas = (page: Page, ids: string[]) =>
  page.evaluate(
    ({ scope, wanted }) => {
      const doc = (window as unknown as PageHooks).jointmap!.session.docs.find((d) => d.scope === scope)!.doc;
      const held = doc.getMap('annotations').toJSON();
      return wanted.every((id) => id in held);
    },
    { scope: STATION, wanted: ids },
  );

test('a document answer larger than a slow link carries within the silence limit still arrives: the page waits longer for it', async (t) => {
  assertClientBuilt();
  const server = await startServer(t);
  const proxy = new LinkProxy(Number(new URL(server.url).port));
  await proxy.start();
  t.onTestFinished(() => proxy.close());
  const browser = await launchBrowser(t);
  const { context } = await newContext(browser);
  const page = await context.newPage();
  await loginAs(page, proxy.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await waitForMap(page);
  await page.waitForSelector('[data-testid=connection][data-state=online]');

  // 德清's link is cut; meanwhile its station's document grows by 300 KB elsewhere.
  proxy.cut();
  await page.waitForSelector('[data-testid=connection]:not([data-state=online])', { timeout: 20_000 });
  const ids = await drawElsewhere(t, server, ADDED_BYTES);

  // The link comes back slow: the document's answer takes ten seconds on it.
  proxy.throttle(RATE);
  proxy.restore();
  await page.waitForSelector('[data-testid=connection][data-state=online]', { timeout: 60_000 });
  expect(await pageHas(page, ids)).toBe(true);
});

import { createServer } from 'node:http';
import { expect, test } from 'vitest';
import { launchBrowser, newContext } from '../helpers/browser.ts';

// Unroutable (TEST-NET style private address that answers nothing): the attempts need not succeed.
const FAR = '10.255.255.1';

const PAGE = `<!doctype html><meta charset="utf-8"><script>
  window.pageSocket = new WebSocket('ws://${FAR}/page-ws');
  new Worker('/worker.js');
  fetch('/local-ok');
  navigator.serviceWorker.register('/sw.js');
</script>`;
const WORKER = `fetch('http://${FAR}/worker-fetch').catch(() => {});
new WebSocket('ws://${FAR}/worker-ws');`;
const SERVICE_WORKER = `self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('message', () => {
  fetch('http://${FAR}/sw-fetch').catch(() => {});
  new WebSocket('ws://${FAR}/sw-ws');
});`;

/**
 * The guard every browser test ends with (`guard.outside` is empty) must see more than the page's
 * HTTP: a WebSocket, a dedicated worker's fetch and WebSocket, a service worker's fetch and
 * WebSocket to a non-local address are each reported; local traffic is not.
 */
test('the request guard reports WebSockets and worker requests that leave 127.0.0.1', async (t) => {
  const served: string[] = [];
  const http = createServer((req, res) => {
    served.push(req.url ?? '');
    const body =
      req.url === '/' ? PAGE : req.url === '/worker.js' ? WORKER : req.url === '/sw.js' ? SERVICE_WORKER : 'ok';
    res.writeHead(200, { 'content-type': req.url?.endsWith('.js') ? 'text/javascript' : 'text/html' });
    res.end(body);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  t.onTestFinished(() => new Promise<void>((resolve) => http.close(() => resolve())));
  const addr = http.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');

  const browser = await launchBrowser(t);
  const { context, guard } = await newContext(browser, { serviceWorker: true });
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${addr.port}/`);
  await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    reg.active?.postMessage('go');
  });

  const expected = [
    `ws://${FAR}/page-ws`,
    `http://${FAR}/worker-fetch`,
    `ws://${FAR}/worker-ws`,
    `http://${FAR}/sw-fetch`,
    `ws://${FAR}/sw-ws`,
  ];
  await expect.poll(() => [...guard.outside].sort(), { timeout: 20_000 }).toEqual([...expected].sort());
  // Local requests pass and are not reported.
  expect(served).toContain('/local-ok');
  expect(guard.outside.some((u) => u.includes('127.0.0.1'))).toBe(false);
});

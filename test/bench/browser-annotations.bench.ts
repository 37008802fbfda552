import { applyChange, docName, type Annotation, type ChangeOrigin } from '@jointmap/shared';
import { launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';
import { connectClient, waitSynced } from '../helpers/sync-client.ts';
import { benchAnnotation as annotation, printMainThread, probeMainThread } from './lib/browser.ts';

const COUNT = 5_000;
const EDITS_PER_SECOND = 100;
const MEASURE_SECONDS = 10;
const SCOPE = 'deqing-yuyue';

/**
 * Headless Chromium shows 5,000 annotations while another client edits 100 of them per second.
 * Prints main-thread busy time per second (CDP TaskDuration), long tasks and frame times.
 */
export default async function run(): Promise<void> {
  const server = await startServer(null);
  const browser = await launchBrowser(null);
  try {
    const editor = await server.login('deqing');
    const client = await connectClient(null, server.wsUrl, docName(DEMO_OP, SCOPE), editor.token);
    const origin: ChangeOrigin = { source: 'session', sessionId: 'bench', userId: editor.user.id };
    const now = Date.now();
    const records = Array.from({ length: COUNT }, (_, i) => annotation(i, now));
    for (let i = 0; i < COUNT; i += 500) {
      applyChange(
        client.doc,
        'station',
        {
          type: 'batch',
          changes: records.slice(i, i + 500).map((a) => ({ type: 'put', map: 'annotations', key: a.id, value: a })),
        },
        origin,
      );
    }
    await waitSynced(client.provider);

    const { context } = await newContext(browser, { viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await loginAs(page, server.url, 'linping', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
    await waitForMap(page);
    await page.waitForFunction(
      (n) =>
        (window as unknown as { jointmap?: { session: { annotations: { size: number } } } }).jointmap?.session
          .annotations.size === n,
      COUNT,
      { timeout: 60_000 },
    );
    await page.waitForTimeout(3000);

    const probe = await probeMainThread(context, page);
    const t0 = performance.now();
    let edits = 0;
    const map = client.doc.getMap<Annotation>('annotations');
    // 100 edits per second, each its own transaction (one update on the wire), in ticks of 10.
    while (performance.now() - t0 < MEASURE_SECONDS * 1000) {
      const tickStart = performance.now();
      for (let k = 0; k < EDITS_PER_SECOND / 10; k++) {
        const i = Math.floor(Math.random() * COUNT);
        const current = map.get(`bench-${i}`)!;
        const shift = (Math.random() - 0.5) * 0.001;
        const moved = JSON.parse(JSON.stringify(current.geometry), (_k, v: unknown) =>
          typeof v === 'number' ? v + shift : v,
        ) as Annotation['geometry'];
        applyChange(
          client.doc,
          'station',
          {
            type: 'put',
            map: 'annotations',
            key: current.id,
            value: { ...current, geometry: moved, updatedAt: Date.now() },
          },
          origin,
        );
        edits++;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, 100 - (performance.now() - tickStart))));
    }
    const figures = await probe.stop();
    const elapsed = figures.seconds;
    const last = map.get(`bench-${COUNT - 1}`)!;
    applyChange(
      client.doc,
      'station',
      { type: 'put', map: 'annotations', key: last.id, value: { ...last, label: 'done', updatedAt: Date.now() } },
      origin,
    );
    await page.waitForFunction(
      (id) =>
        (
          window as unknown as {
            jointmap: { session: { annotations: { get(s: string, i: string): { label: string } | undefined } } };
          }
        ).jointmap.session.annotations.get('deqing-yuyue', id)?.label === 'done',
      last.id,
      { timeout: 30_000 },
    );
    console.log(
      `browser-annotations: ${COUNT} annotations shown, ${edits} edits in ${elapsed.toFixed(1)} s by another client (${(edits / elapsed).toFixed(0)}/s)`,
    );
    printMainThread(figures);
    client.destroy();
  } finally {
    await browser.close();
    await server.close();
  }
}

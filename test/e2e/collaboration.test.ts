import { expect, test } from 'vitest';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';
import { annotationsOf, clickAt, drawPolygon, renderedAnnotationIds, screenOf, type PageHooks } from './map-actions.ts';

// Inside 德清 (deqing-yuyue), WGS-84.
const SQUARE: Array<[number, number]> = [
  [120.0, 30.52],
  [120.1, 30.52],
  [120.1, 30.6],
  [120.0, 30.6],
];
const INSIDE: [number, number] = [120.03, 30.55];

test('a polygon drawn at one station appears at another and on the wall, read-only there, with no request off 127.0.0.1', async (t) => {
  assertClientBuilt();
  const server = await startServer(t);
  const browser = await launchBrowser(t);
  const a = await newContext(browser);
  const b = await newContext(browser);
  const w = await newContext(browser, { viewport: { width: 1920, height: 1080 } });
  const [pa, pb, pw] = await Promise.all([a.context.newPage(), b.context.newPage(), w.context.newPage()]);
  await loginAs(pa, server.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await loginAs(pb, server.url, 'linping', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await loginAs(pw, server.url, 'wall', DEMO_PASSWORD, `#/wall/${DEMO_OP}`);
  for (const p of [pa, pb, pw]) {
    await waitForMap(p);
    await p.waitForSelector('[data-testid=connection][data-state=online]');
  }
  // Presence: the dispatcher sees the other station and the wall online.
  await pa.waitForFunction(() => document.querySelectorAll('[data-testid=presence-person]').length >= 3);

  await drawPolygon(pa, SQUARE);
  const own = Object.values(await annotationsOf(pa, 'deqing-yuyue'));
  expect(own).toHaveLength(1);
  const polygon = own[0]!;
  expect(polygon.kind).toBe('polygon');
  const fid = `deqing-yuyue/${polygon.id}`;

  // The other station sees it: time from the author's write to the second browser's document.
  const seenAt = await pb.waitForFunction(
    (id) => ((window as unknown as PageHooks).jointmap!.session.annotations.get('deqing-yuyue', id) ? Date.now() : 0),
    polygon.id,
    { polling: 'raf', timeout: 10_000 },
  );
  const written = (polygon as unknown as { createdAt: number }).createdAt;
  console.log(`polygon latency, author write → other station's document: ${(await seenAt.jsonValue()) - written} ms`);
  await expect.poll(() => renderedAnnotationIds(pb), { timeout: 10_000 }).toContain(fid);

  // The other station may select it but not change it: the UI offers nothing and sends nothing.
  expect(await pb.evaluate(() => (window as unknown as PageHooks).jointmap!.session.canWrite('deqing-yuyue'))).toBe(
    false,
  );
  await clickAt(pb, INSIDE);
  await pb.waitForSelector('[data-testid=properties][data-writable=false]');
  await pb.waitForSelector('[data-testid=read-only]');
  expect(await pb.isDisabled('[data-testid=label-input]')).toBe(true);
  expect(await pb.locator('[data-testid=delete]').count()).toBe(0);
  const from = await screenOf(pb, INSIDE);
  await pb.mouse.move(from.x, from.y);
  await pb.mouse.down();
  await pb.mouse.move(from.x + 80, from.y + 60, { steps: 5 });
  await pb.mouse.up();
  await pb.keyboard.press('Delete');
  await pb.waitForTimeout(500);
  expect((await annotationsOf(pb, 'deqing-yuyue'))[polygon.id]).toEqual(polygon);
  expect((await annotationsOf(pa, 'deqing-yuyue'))[polygon.id]).toEqual(polygon);
  expect(await pb.locator('[data-testid=rejections]').count()).toBe(0);

  // The author relabels it (the other station sees it), then undoes the relabel.
  await clickAt(pa, INSIDE);
  await pa.waitForSelector('[data-testid=properties][data-writable=true]');
  await pa.fill('[data-testid=label-input]', '搜索区A');
  await pa.press('[data-testid=label-input]', 'Enter');
  await pb.waitForFunction(
    (id) =>
      (window as unknown as PageHooks).jointmap!.session.annotations.get('deqing-yuyue', id) &&
      ((window as unknown as PageHooks).jointmap!.session.annotations.get('deqing-yuyue', id) as { label: string })
        .label === '搜索区A',
    polygon.id,
  );
  await pa.click('[data-testid=undo]');
  await pb.waitForFunction(
    (id) =>
      ((window as unknown as PageHooks).jointmap!.session.annotations.get('deqing-yuyue', id) as { label: string })
        .label === '',
    polygon.id,
  );
  await pa.click('[data-testid=redo]');
  await pb.waitForFunction(
    (id) =>
      ((window as unknown as PageHooks).jointmap!.session.annotations.get('deqing-yuyue', id) as { label: string })
        .label === '搜索区A',
    polygon.id,
  );

  // The author drags a vertex: the geometry changes for everyone.
  const corner = await screenOf(pa, SQUARE[2]!);
  await pa.mouse.move(corner.x, corner.y);
  await pa.mouse.down();
  await pa.mouse.move(corner.x + 40, corner.y - 30, { steps: 6 });
  await pa.mouse.up();
  await pb.waitForFunction(
    ({ id, before }) =>
      JSON.stringify(
        (
          (window as unknown as PageHooks).jointmap!.session.annotations.get('deqing-yuyue', id) as {
            geometry: unknown;
          }
        ).geometry,
      ) !== before,
    { id: polygon.id, before: JSON.stringify(polygon.geometry) },
  );

  // The wall shows it.
  await expect.poll(() => renderedAnnotationIds(pw), { timeout: 10_000 }).toContain(fid);
  await pw.waitForFunction(() => document.querySelector('[data-testid=wall-annotations]')?.textContent?.includes('1'));
  await pw.waitForSelector('[data-testid=clock]');
  expect(await pw.locator('[data-testid=toolbar]').count()).toBe(0);

  // English is one click away, and the choice sticks.
  await pa.click('[data-testid=lang-switch]');
  await pa.waitForSelector('[data-tool=polygon]:has-text("Polygon")');
  expect(await pa.textContent('[data-testid=properties] h3')).toContain('Polygon');
  await pa.click('[data-testid=lang-switch]');
  await pa.waitForSelector('[data-tool=polygon]:has-text("面")');

  await pa.screenshot({ path: 'test-results/console.png' });
  await pw.screenshot({ path: 'test-results/wall.png' });
  // Nothing was requested from any host but 127.0.0.1 (fonts, glyphs, tiles, workers included).
  expect([...a.guard.outside, ...b.guard.outside, ...w.guard.outside]).toEqual([]);
});

/**
 * Produces docs/screenshots/console.png and wall.png from a scripted demo scene (not a test):
 * `node --import tsx test/e2e/take-screenshots.ts` after `pnpm build`.
 */
import { fileURLToPath } from 'node:url';
import { docName, applyChange, type Annotation } from '@jointmap/shared';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { connectClient } from '../helpers/sync-client.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';
import { clickAt, drawPolygon, jumpTo } from './map-actions.ts';
import { DEMO_UNITS } from '@jointmap/server/seed/demo-units';
import { createWalker, seededRng, step, type Walker } from '@jointmap/server/tools/sim-walker';

assertClientBuilt();
const out = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const server = await startServer(null);
const browser = await launchBrowser(null);
const now = Date.now();
const seed = async (
  scope: string,
  user: string,
  records: Array<Partial<Annotation> & Pick<Annotation, 'kind' | 'geometry'>>,
) => {
  const login = await server.login(user);
  const c = await connectClient(null, server.wsUrl, docName(DEMO_OP, scope), login.token);
  records.forEach((r, i) => {
    const a = {
      id: `${scope}-${i}`,
      label: '',
      color: '#dc2626',
      author: login.user.id,
      createdAt: now,
      updatedAt: now,
      ...r,
    } as Annotation;
    applyChange(
      c.doc,
      'station',
      { type: 'put', map: 'annotations', key: a.id, value: a },
      { source: 'session', sessionId: 's', userId: login.user.id },
    );
  });
  await new Promise((r) => setTimeout(r, 500));
  c.destroy();
};
await seed('linping-yunhe', 'linping', [
  { kind: 'point', label: '走失老人住所', geometry: { type: 'Point', coordinates: [120.262, 30.421] } },
  {
    kind: 'line',
    label: '可能路线',
    geometry: {
      type: 'LineString',
      coordinates: [
        [120.262, 30.421],
        [120.24, 30.47],
        [120.2, 30.5],
        [120.16, 30.53],
      ],
    },
  },
]);
await seed('tongxiang-zhouquan', 'tongxiang', [
  {
    kind: 'circle',
    label: '洲泉搜索圈',
    color: '#16a34a',
    radiusM: 2500,
    geometry: { type: 'Point', coordinates: [120.39, 30.56] },
  },
]);

// Demo units: 10 minutes of history (back-dated OsmAnd fixes every 15 s), then live fixes every
// second while the pictures are taken. One unit stopped reporting 2 minutes ago (grey), one 7
// minutes ago (lost).
const areas = (await (
  await fetch(`${server.url}/api/operations/${DEMO_OP}/jurisdictions.geojson`, {
    headers: { authorization: `Bearer ${(await server.login('commander')).token}` },
  })
).json()) as { features: Array<{ properties: { stationId: string }; geometry: Parameters<typeof createWalker>[0] }> };
const areaOf = new Map(areas.features.map((f) => [f.properties.stationId, f.geometry]));
const rng = seededRng(7);
const movers = DEMO_UNITS.filter((u) => areaOf.has(u.stationId)).map((u) => ({
  unit: u,
  walker: createWalker(
    areaOf.get(u.stationId)!,
    u.kind,
    [120.2954, 30.5222],
    rng,
    u.kind === 'drone' ? 3 : 7,
  ) as Walker,
}));
const stopped: Record<string, number> = { 'yunhe-boat-02': 2 * 60_000, 'zhouquan-moto-02': 7 * 60_000 };
const fix = (deviceId: string, f: ReturnType<typeof step>, time: number) =>
  fetch(`${server.url}/api/positions/osmand`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      id: deviceId,
      lat: String(f.lngLat[1]),
      lon: String(f.lngLat[0]),
      timestamp: String(time),
      speed: (f.speedMps * 1.943844).toFixed(2),
      bearing: String(f.bearing),
      batt: '76',
    }).toString(),
  });
for (let t = now - 10 * 60_000; t <= now; t += 15_000) {
  for (const m of movers) {
    // Sped up 4× so ten minutes draw a visible trail at the operation's zoom.
    const f = step(m.walker, 60, rng);
    if (t <= now - (stopped[m.unit.id] ?? 0)) await fix(m.unit.deviceId, f, t);
  }
}
let live = true;
const liveLoop = (async () => {
  while (live) {
    for (const m of movers) if (!stopped[m.unit.id]) await fix(m.unit.deviceId, step(m.walker, 4, rng), Date.now());
    await new Promise((r) => setTimeout(r, 1000));
  }
})();

const a = await newContext(browser, { viewport: { width: 1440, height: 860 } });
const pa = await a.context.newPage();
await loginAs(pa, server.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
const b = await newContext(browser);
const pb = await b.context.newPage();
await loginAs(pb, server.url, 'linping', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
await waitForMap(pa);
await waitForMap(pb);
await drawPolygon(pa, [
  [120.08, 30.5],
  [120.17, 30.49],
  [120.19, 30.56],
  [120.1, 30.58],
]);
await pa.fill('[data-testid=label-input]', '禹越搜索区');
await pa.press('[data-testid=label-input]', 'Enter');
await pa.click('[data-tool=text]');
await clickAt(pa, [120.14, 30.615]);
await pa.fill('[data-testid=label-input]', '发现线索：蓝色三轮车');
await pa.press('[data-testid=label-input]', 'Enter');
await pa.click('[data-tool=select]');
await clickAt(pa, [120.13, 30.53]);
const box = await pb.locator('[data-testid=map] canvas').boundingBox();
await pb.mouse.move(box!.x + 520, box!.y + 420);
// Closer to the junction, where the units patrol.
await jumpTo(pa, { center: [120.27, 30.515], zoom: 11.6 });
await pa.locator('body').press('Escape');
await pa.click('[data-testid=roster-unit][data-unit=yuyue-car-01] button');
await pa.click('[data-testid=track-replay] button:has-text("近15分钟")');
await pa.waitForSelector('[data-testid=track-slider]');
await pa.fill('[data-testid=track-slider]', '25');
// The selected unit clear of the toolbar (halfway towards the junction), its details from the top.
await pa.evaluate(() => {
  const w = window as unknown as {
    jointmap: { session: { live: { positionOf(k: string): { lngLat: [number, number] } | undefined } } };
    jointmapMap: { jumpTo(o: object): void };
  };
  const at = w.jointmap.session.live.positionOf('deqing-yuyue/yuyue-car-01')?.lngLat;
  if (at) w.jointmapMap.jumpTo({ center: [(at[0] + 120.27) / 2, (at[1] + 30.515) / 2] });
});
await pa.locator('[data-testid=unit-details]').evaluate((el) => el.scrollIntoView({ block: 'start' }));
await pa.waitForTimeout(2500);
await pa.screenshot({ path: `${out}console.png` });

const w = await newContext(browser, { viewport: { width: 1920, height: 1080 } });
const pw = await w.context.newPage();
await loginAs(pw, server.url, 'wall', DEMO_PASSWORD, `#/wall/${DEMO_OP}`);
await waitForMap(pw);
await pw.waitForTimeout(2500);
await pw.screenshot({ path: `${out}wall.png` });
live = false;
await liveLoop;
console.log('outside requests:', [...a.guard.outside, ...b.guard.outside, ...w.guard.outside]);
await browser.close();
await server.close();

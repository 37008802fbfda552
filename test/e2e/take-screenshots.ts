/**
 * Produces docs/screenshots/console.png and wall.png from a scripted demo scene (not a test):
 * `node --import tsx test/e2e/take-screenshots.ts` after `pnpm build`.
 */
import { docName, applyChange, type Annotation } from '@jointmap/shared';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { connectClient } from '../helpers/sync-client.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';
import { clickAt, drawPolygon } from './map-actions.ts';

assertClientBuilt();
const out = new URL('../../docs/screenshots/', import.meta.url).pathname;
const server = await startServer(null);
const browser = await launchBrowser(null);
const now = Date.now();
const seed = async (scope: string, user: string, records: Array<Partial<Annotation> & Pick<Annotation, 'kind' | 'geometry'>>) => {
  const login = await server.login(user);
  const c = await connectClient(null, server.wsUrl, docName(DEMO_OP, scope), login.token);
  records.forEach((r, i) => {
    const a = { id: `${scope}-${i}`, label: '', color: '#dc2626', author: login.user.id, createdAt: now, updatedAt: now, ...r } as Annotation;
    applyChange(c.doc, 'station', { type: 'put', map: 'annotations', key: a.id, value: a }, { source: 'session', sessionId: 's', userId: login.user.id });
  });
  await new Promise((r) => setTimeout(r, 500));
  c.destroy();
};
await seed('linping-yunhe', 'linping', [
  { kind: 'point', label: '走失老人住所', geometry: { type: 'Point', coordinates: [120.262, 30.421] } },
  { kind: 'line', label: '可能路线', geometry: { type: 'LineString', coordinates: [[120.262, 30.421], [120.24, 30.47], [120.2, 30.5], [120.16, 30.53]] } },
]);
await seed('tongxiang-zhouquan', 'tongxiang', [
  { kind: 'circle', label: '洲泉搜索圈', color: '#16a34a', radiusM: 2500, geometry: { type: 'Point', coordinates: [120.39, 30.56] } },
]);

const a = await newContext(browser, { viewport: { width: 1440, height: 860 } });
const pa = await a.context.newPage();
await loginAs(pa, server.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
const b = await newContext(browser);
const pb = await b.context.newPage();
await loginAs(pb, server.url, 'linping', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
await waitForMap(pa);
await waitForMap(pb);
await drawPolygon(pa, [[120.08, 30.5], [120.17, 30.49], [120.19, 30.56], [120.1, 30.58]]);
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
await pa.waitForTimeout(2500);
await pa.screenshot({ path: `${out}console.png` });

const w = await newContext(browser, { viewport: { width: 1920, height: 1080 } });
const pw = await w.context.newPage();
await loginAs(pw, server.url, 'wall', DEMO_PASSWORD, `#/wall/${DEMO_OP}`);
await waitForMap(pw);
await pw.waitForTimeout(2500);
await pw.screenshot({ path: `${out}wall.png` });
console.log('outside requests:', [...a.guard.outside, ...b.guard.outside, ...w.guard.outside]);
await browser.close();
await server.close();

import { expect, test } from 'vitest';
import { storedFix } from '@jointmap/server/storage/stored-fix.test-support';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';

/** Over its cap (50,000 fixes) the track answer is cut; the console must say so and load the rest. */

const CAP = 50_000;
const EXTRA = 10;

/** `YYYY-MM-DD HH:mm` in Asia/Shanghai (UTC+8, no daylight saving), as the browser's fields read. */
const shanghai = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');

test('a track window with more fixes than one answer holds says where it was cut and loads the rest', async (t) => {
  assertClientBuilt();
  const server = await startServer(t);
  // 1 Hz for a little over 13.9 h, written straight to the store (no device sends this many in a test).
  const start = Math.floor((Date.now() - 20 * 3_600_000) / 60_000) * 60_000;
  await server.ctx.storage.appendPositions(
    Array.from({ length: CAP + EXTRA }, (_, i) =>
      storedFix({
        unitId: 'yuyue-car-01',
        stationId: 'deqing-yuyue',
        deviceId: 'demo-yuyue-01',
        time: start + i * 1000,
        lng: 120.27 + (i % 1000) * 1e-5,
        lat: 30.53,
        speed: 10,
        bearing: 90,
      }),
    ),
  );
  const browser = await launchBrowser(t);
  const { context } = await newContext(browser);
  const page = await context.newPage();
  await loginAs(page, server.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await waitForMap(page);
  await page.click('[data-testid=roster-unit][data-unit=yuyue-car-01] button.callsign');
  await page.fill('[data-testid=track-from]', shanghai(start));
  await page.fill('[data-testid=track-to]', shanghai(start + 15 * 3_600_000));
  await page.click('[data-testid=track-load]');

  // The first answer: its last fix is named, and the slider ends there.
  const lastShown = start + (CAP - 1) * 1000;
  const notice = page.locator('[data-testid=track-truncated]');
  await expect.poll(() => notice.textContent(), { timeout: 20_000 }).toContain(`仅显示至 ${shanghai(lastShown)}`);
  expect(await notice.textContent()).toContain(`前 ${CAP} 点`);
  expect(await page.getAttribute('[data-testid=track-slider]', 'max')).toBe(String(CAP - 1));

  // The rest: the window from just after that fix, whole this time.
  await page.click('[data-testid=track-next]');
  await expect
    .poll(() => page.getAttribute('[data-testid=track-slider]', 'max'), { timeout: 20_000 })
    .toBe(String(EXTRA - 1));
  expect(await notice.count()).toBe(0);
  expect(await page.inputValue('[data-testid=track-from]')).toBe(shanghai(lastShown + 1));
});

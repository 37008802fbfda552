import { expect, test } from 'vitest';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';
import { clickHeaderEntry } from './header-menu.ts';

test('a commander sees retention settings, holds the operation as evidence and is warned of low disk; a dispatcher sees neither', async (t) => {
  assertClientBuilt();
  // A threshold above any real free space: the disk counts as low.
  const server = await startServer(t, { diskWarnFreeMib: 1e12 });
  const browser = await launchBrowser(t);
  const c = await newContext(browser);
  const d = await newContext(browser);
  const [pc, pd] = await Promise.all([c.context.newPage(), d.context.newPage()]);
  await loginAs(pc, server.url, 'commander', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await loginAs(pd, server.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await waitForMap(pc);
  await waitForMap(pd);

  const panel = pc.locator('[data-testid=retention-settings]');
  await clickHeaderEntry(pc, 'retention-open');
  await panel.waitFor();
  await expect.poll(() => panel.textContent()).toContain('7');
  await pc.locator('[data-testid=disk-banner]').waitFor();
  await pc.click('[data-testid=retention-hold-toggle]');
  await pc.locator('[data-testid=retention-held]').waitFor();
  expect(await server.ctx.storage.operationHold(DEMO_OP)).toMatchObject({ keptBy: 'u-commander' });
  await pc.screenshot({ path: 'test-results/retention-console.png' });
  await panel.screenshot({ path: 'test-results/retention-panel.png' });

  // Lifting asks first; the hold is gone once confirmed.
  pc.once('dialog', (dialog) => void dialog.accept());
  await pc.click('[data-testid=retention-hold-toggle]');
  await pc.locator('[data-testid=retention-held]').waitFor({ state: 'detached' });
  expect(await server.ctx.storage.operationHold(DEMO_OP)).toBeNull();

  await pd.waitForSelector('[data-testid=console]');
  expect(await pd.locator('[data-testid=retention-open]').count()).toBe(0);
  expect(await pd.locator('[data-testid=retention-settings]').count()).toBe(0);
  expect(await pd.locator('[data-testid=disk-banner]').count()).toBe(0);
});

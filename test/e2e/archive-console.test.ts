import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { pointAnnotation } from '../helpers/records.ts';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_PASSWORD, startServer, tempDir } from '../helpers/server.ts';
import { openConsoles } from '../helpers/op-console.ts';
import { DEQING, LINPING } from '../helpers/tasks.ts';
import { clickHeaderEntry } from './header-menu.ts';

const OP = 'op-bridge';

test('a commander closes an operation, writes and downloads its archive, purges it; another instance imports the file read-only', async (t) => {
  assertClientBuilt();
  const a = await startServer(t);
  const token = (await a.login('commander')).token;
  const created = await fetch(`${a.url}/api/operations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: OP, name: '大桥联合管控', kind: 'monitoring', stations: [LINPING, DEQING] }),
  });
  expect(created.status).toBe(201);
  const [boss] = await openConsoles(t, a, ['commander'], OP);
  boss!.write(DEQING, {
    type: 'put',
    map: 'annotations',
    key: 'bridge',
    value: pointAnnotation('bridge', '大桥北卡口'),
  });

  const browser = await launchBrowser(t);
  const { context, guard } = await newContext(browser);
  const page = await context.newPage();
  const station = await (await newContext(browser)).context.newPage();
  await loginAs(page, a.url, 'commander', DEMO_PASSWORD, `#/op/${OP}`);
  await loginAs(station, a.url, 'deqing', DEMO_PASSWORD, `#/op/${OP}`);
  await waitForMap(page);
  await waitForMap(station);
  expect(await page.locator('[data-testid=op-read-only]').count()).toBe(0);
  expect(await station.locator('[data-tool=point]').isDisabled()).toBe(false);

  // Close: asked first; both consoles turn read-only at once, without a reload.
  await clickHeaderEntry(page, 'retention-open');
  page.once('dialog', (d) => void d.accept());
  await page.click('[data-testid=archive-close]');
  for (const p of [page, station]) {
    await p.locator('[data-testid=op-read-only]').waitFor();
    expect(await p.locator('[data-tool=point]').isDisabled()).toBe(true);
  }
  expect((await a.ctx.storage.getOperation(OP))!.status).toBe('closed');

  // Archive, download (the page checks the bytes against the server's checksum), purge.
  await page.click('[data-testid=archive-create]');
  await page.locator('[data-testid=archive-item]').waitFor();
  expect(await page.locator('[data-testid=archive-purge]').isDisabled()).toBe(true);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=archive-download]')]);
  const file = join(tempDir('archive-download-'), download.suggestedFilename());
  await download.saveAs(file);
  await page.locator('[data-testid=archive-verified]').waitFor();
  const [record] = await a.ctx.storage.listArchives(OP);
  expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(record!.sha256);
  await page.locator('[data-testid=retention-settings]').screenshot({ path: 'test-results/archive-panel.png' });
  // The console keeps its copy of the documents in IndexedDB; a purge takes that copy too.
  const localCopies = () =>
    page.evaluate(
      async (op) => (await indexedDB.databases()).filter((d) => d.name?.includes(`:${op}/`)).map((d) => d.name),
      OP,
    );
  expect((await localCopies()).length).toBeGreaterThan(0);
  page.once('dialog', (d) => void d.accept());
  await page.click('[data-testid=archive-purge]');
  await page.waitForFunction(() => location.hash === '#/');
  const item = page.locator('[data-testid=operation-item]', { hasText: '大桥联合管控' });
  await item.getByText('已清除').waitFor();
  expect(await item.getByRole('link').count()).toBe(0);
  expect(await a.ctx.storage.readUpdateLog(`${OP}/${DEQING}`)).toEqual([]);
  await page.waitForFunction(
    async (op) => !(await indexedDB.databases()).some((d) => d.name?.includes(`:${op}/`)),
    OP,
    { polling: 100 },
  );
  expect(await localCopies()).toEqual([]);
  // A console still open on it elsewhere (德清's) says so instead of staying "offline" over frozen
  // data, and drops its own copy too.
  await station.locator('[data-testid=operation-error]', { hasText: '该行动的数据已在归档后清除' }).waitFor();
  expect(await station.locator('[data-testid=map]').count()).toBe(0);
  await station.waitForFunction(
    async (op) => !(await indexedDB.databases()).some((d) => d.name?.includes(`:${op}/`)),
    OP,
    { polling: 100 },
  );

  // Another instance: the commander imports the file from the operation list and opens it.
  const b = await startServer(t);
  const other = await context.newPage();
  await loginAs(other, b.url, 'commander', DEMO_PASSWORD, '#/');
  await other.locator('[data-testid=archive-restore] input').setInputFiles(file);
  await other.locator('[data-testid=archive-notice]').waitFor();
  expect(await other.locator('[data-testid=archive-notice]').textContent()).toContain(
    '已恢复行动“大桥联合管控”（只读）',
  );
  const restored = other.locator('[data-testid=operation-item]', { hasText: '大桥联合管控' });
  await restored.getByText('归档恢复').waitFor();
  await other.screenshot({ path: 'test-results/archive-restored-list.png' });
  await restored.getByRole('link', { name: '打开' }).click();
  await waitForMap(other);
  await other.locator('[data-testid=op-read-only]').waitFor();
  expect(await other.locator('[data-tool=point]').isDisabled()).toBe(true);
  await clickHeaderEntry(other, 'retention-open');
  expect(await other.locator('[data-testid=archive-state]').textContent()).toContain('由归档于');
  await other.screenshot({ path: 'test-results/archive-restored-console.png' });
  expect(guard.outside).toEqual([]);
});

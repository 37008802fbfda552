import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';
import { api } from '../live/live-helpers.ts';
import { connectClient } from '../helpers/sync-client.ts';
import { JUNCTION, offset, raiseTask } from './dispatch-scene.ts';
import { crowdedColumn, moreAlerts, settledColumn } from './wall-screens.test-support.ts';

const EXTRA_UNITS = 30;
const EXTRA_TASKS = 5;

interface Layout {
  minFont: number;
  scroll: { x: number; y: number };
  outside: string[];
  wrapped: string[];
  /** Share of the right column's height its boards and presence list take (the rest is empty). */
  columnFill: number;
}

/** The smallest text on the boards, anything outside the window or its board, and wrapped one-liners. */
function layoutOf(page: Page): Promise<Layout> {
  return page.evaluate(() => {
    const W = innerWidth;
    const H = innerHeight;
    const name = (e: Element) => `${e.tagName.toLowerCase()}.${e.className} "${e.textContent?.slice(0, 20)}"`;
    let minFont = Infinity;
    const outside: string[] = [];
    const wrapped: string[] = [];
    const boards = document.querySelectorAll('[data-testid=unit-board], [data-testid=task-board]');
    for (const board of Array.from(boards)) {
      const box = board.getBoundingClientRect();
      if (box.left < 0 || box.top < 0 || box.right > W + 0.5 || box.bottom > H + 0.5) outside.push(name(board));
      const list = board.querySelector('ul')!.getBoundingClientRect();
      for (const el of Array.from(board.querySelectorAll('h2, li, li *'))) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        if (r.bottom > list.bottom + 0.5 && el.closest('li')) outside.push(name(el));
        if (r.right > box.right + 0.5 || r.bottom > box.bottom + 0.5) outside.push(name(el));
        const ownText = Array.from(el.childNodes).some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim());
        if (!ownText) continue;
        const style = getComputedStyle(el);
        minFont = Math.min(minFont, parseFloat(style.fontSize));
        // One line each: a single box no taller than a line.
        const lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.6;
        if (el.tagName === 'SPAN' && (el.getClientRects().length > 1 || r.height > lineHeight * 1.3))
          wrapped.push(name(el));
      }
    }
    const column = boards[0]!.closest('aside')!;
    const colBox = column.getBoundingClientRect();
    const used = Array.from(column.children).reduce((sum, el) => sum + el.getBoundingClientRect().height, 0);
    const doc = document.scrollingElement!;
    return {
      columnFill: used / colBox.height,
      minFont,
      scroll: { x: doc.scrollWidth - doc.clientWidth, y: doc.scrollHeight - doc.clientHeight },
      outside,
      wrapped,
    };
  });
}

/** A board's page label and the rows it shows, read in one go (a page may turn between two reads). */
const pageState = (page: Page, board: 'unit' | 'task') =>
  page.evaluate((b) => {
    const label = document.querySelector(`[data-testid=${b}-board-page]`)?.textContent ?? null;
    const ids = Array.from(document.querySelectorAll(`[data-testid=${b}-board-row]`), (r) =>
      r.getAttribute(b === 'unit' ? 'data-unit' : 'data-task'),
    );
    return { label, ids };
  }, board);

/**
 * Watch a board turn through all its pages (back to the first one); returns every row seen and
 * how many rows each page showed.
 */
async function allPages(
  page: Page,
  board: 'unit' | 'task',
): Promise<{ pages: number; seen: Set<string>; rowsPerPage: number[] }> {
  const indicator = page.locator(`[data-testid=${board}-board-page]`);
  await expect.poll(() => indicator.count(), { timeout: 10_000 }).toBe(1);
  let state = await pageState(page, board);
  const first = state.label!;
  const total = Number(first.split('/')[1]);
  expect(total).toBeGreaterThan(1);
  const seen = new Set<string>();
  const rowsPerPage: number[] = [];
  for (let i = 0; i < total; i++) {
    state.ids.forEach((id) => seen.add(id!));
    rowsPerPage.push(state.ids.length);
    let next = state;
    await expect
      .poll(async () => (next = await pageState(page, board)).label, { timeout: 12_000 })
      .not.toBe(state.label);
    // The next page replaces the visible set (no scrolling).
    expect(next.ids).not.toEqual(state.ids);
    state = next;
  }
  expect(state.label).toBe(first);
  return { pages: total, seen, rowsPerPage };
}

test('the wall is readable on a 1080p and a 4K screen, fits them and pages boards that do not fit', async (t) => {
  assertClientBuilt();
  const server = await startServer(t, { simulate: false });
  const commander = await server.login('commander');
  for (let i = 1; i <= EXTRA_UNITS; i++) {
    const res = await api(server, commander.token, 'POST', `/api/operations/${DEMO_OP}/units`, {
      id: `wall-extra-${i}`,
      callsign: `禹越增援${String(i).padStart(2, '0')}`,
      kind: i % 3 ? 'car' : 'foot',
      stationId: 'deqing-yuyue',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  for (let i = 1; i <= EXTRA_TASKS; i++) {
    await raiseTask(server, 'linping', 'linping-yunhe', {
      title: `运河街道第${i}号卡口车辆协查`,
      location: { type: 'Point', coordinates: offset(JUNCTION, i * 300, 0) },
      priority: i % 4 === 0 ? 'urgent' : 'normal',
      targetStations: ['deqing-yuyue'],
    });
  }

  const browser = await launchBrowser(t);
  for (const [width, height, file] of [
    [1920, 1080, 'wall-1080p'],
    [3840, 2160, 'wall-4k'],
  ] as const) {
    const { context } = await newContext(browser, { viewport: { width, height } });
    const page = await context.newPage();
    // Pages turn every 3 s here (8 s by default): the test watches every page go by.
    await loginAs(page, server.url, 'wall', DEMO_PASSWORD, `#/wall/${DEMO_OP}?page=3`);
    await waitForMap(page);
    await page.waitForSelector('[data-testid=unit-board-page]');
    await page.waitForSelector('[data-testid=task-board-row]');

    const layout = await layoutOf(page);
    expect(layout.minFont, `${width}×${height}`).toBeGreaterThanOrEqual(height / 45);
    expect(layout.scroll).toEqual({ x: 0, y: 0 });
    expect(layout.outside).toEqual([]);
    expect(layout.wrapped).toEqual([]);
    // More units and tasks than fit: the boards take the column's height (not half of it) and page.
    expect(layout.columnFill, `${width}×${height} right column used`).toBeGreaterThan(0.9);
    await page.screenshot({ path: `test-results/${file}.png` });

    if (width === 1920) {
      const unitCount = Number(await page.locator('[data-testid=unit-board] h2 .n').textContent());
      expect(unitCount).toBeGreaterThan(EXTRA_UNITS);
      // Both boards turn their pages at once.
      const [units, tasks] = await Promise.all([allPages(page, 'unit'), allPages(page, 'task')]);
      expect(units.seen.size).toBe(unitCount);
      for (let i = 1; i <= EXTRA_UNITS; i++) expect(units.seen).toContain(`wall-extra-${i}`);
      expect(tasks.seen.size).toBe(EXTRA_TASKS);
      // The rows are spread evenly over the pages: no page stands nearly empty.
      for (const board of [units, tasks])
        expect(
          Math.max(...board.rowsPerPage) - Math.min(...board.rowsPerPage),
          `${board.rowsPerPage}`,
        ).toBeLessThanOrEqual(1);
    }
    await context.close();
  }
});

test('with no task the empty task board gives its room to the units: the demo roster fits one page', async (t) => {
  assertClientBuilt();
  const server = await startServer(t, { simulate: false });
  const browser = await launchBrowser(t);
  const { context } = await newContext(browser, { viewport: { width: 1920, height: 1080 } });
  const page = await context.newPage();
  await loginAs(page, server.url, 'wall', DEMO_PASSWORD, `#/wall/${DEMO_OP}`);
  await waitForMap(page);
  await expect.poll(() => page.locator('[data-testid=unit-board-row]').count(), { timeout: 15_000 }).toBe(8);
  await page.waitForSelector('[data-testid=task-board][data-count="0"]');
  const layout = await layoutOf(page);
  expect(layout.minFont).toBeGreaterThanOrEqual(1080 / 45);
  expect(layout.columnFill).toBeGreaterThan(0.9);
  // The task board is its heading and one line; the eight units need no second page.
  const taskBoard = (await page.locator('[data-testid=task-board]').boundingBox())!;
  expect(taskBoard.height).toBeLessThan(1080 * 0.12);
  expect(await page.locator('[data-testid=unit-board-page]').count()).toBe(0);
  // One person online: the presence list is its heading and two rows, not its 16 % of the height,
  // and shows them all.
  const presence = (await page.getByTestId('presence').boundingBox())!;
  expect(presence.height).toBeLessThan(1080 * 0.16 * 0.8);
  expect(await page.getByTestId('presence-more').count()).toBe(0);
  expect(await page.getByTestId('presence').getByText('指挥中心大屏').count()).toBe(1);
  await page.screenshot({ path: 'test-results/wall-no-tasks.png' });
});

test('mid-search, with alerts, a task, units and people in the column, every board shows whole rows only: one task and three units at least', async (t) => {
  assertClientBuilt();
  // No simulator, no signal-loss timer: the column holds exactly what the scene puts there.
  const server = await startServer(t, {
    simulate: false,
    ingestRatePerSecond: 10_000,
    ingestRateBurst: 10_000,
    alertCheckMs: 3600_000,
  });
  await crowdedColumn(t, server);
  const browser = await launchBrowser(t);
  // Two open alerts, then five: the alert board takes its whole share of the column and pages.
  for (const [width, height, alerts] of [
    [1920, 1080, 2],
    [3840, 2160, 2],
    [3840, 2160, 5],
    [1920, 1080, 5],
  ] as const) {
    if (alerts > (await server.ctx.storage.listAlerts(DEMO_OP, { limit: 100 })).length) await moreAlerts(server);
    const { context } = await newContext(browser, { viewport: { width, height } });
    const page = await context.newPage();
    const at = `${width}×${height}, ${alerts} alerts`;
    const rows = await settledColumn(page, server, alerts, `test-results/wall-search-${height}p-${alerts}-alerts.png`);
    for (const [board, { cut, outside }] of Object.entries(rows)) {
      expect(cut, `${at}, ${board}: rows cut`).toEqual([]);
      expect(outside, `${at}, ${board}: list past the column`).toBe(false);
    }
    // The open alerts take what they need, up to their share; the boards still get room for whole rows.
    if (alerts === 2) expect(rows.alerts.shown, at).toBe(2);
    else {
      expect(rows.alerts.height / height, at).toBeGreaterThan(0.35);
      expect(rows.alerts.shown, at).toBeGreaterThanOrEqual(2);
    }
    expect(rows.tasks.shown, at).toBeGreaterThanOrEqual(1);
    expect(rows.units.shown, at).toBeGreaterThanOrEqual(3);
    // The one task's board is as high as that task needs (its room below the row is under half a
    // row) and its station's name is whole (not cut to "临…" by the units beside it).
    const task = await page.getByTestId('task-board').evaluate((board) => {
      const natural = (el: HTMLElement) => {
        const flex = el.style.flex;
        el.style.flex = 'none';
        const width = el.getBoundingClientRect().width;
        el.style.flex = flex;
        return width;
      };
      const row = board.querySelector('li')!.getBoundingClientRect();
      const station = board.querySelector<HTMLElement>('li .station')!;
      return {
        spare: board.getBoundingClientRect().bottom - row.bottom,
        row: row.height,
        // Cut by any fraction of a pixel shows the ellipsis: compare with its width unshrunk.
        station: { text: station.textContent, cut: station.getBoundingClientRect().width < natural(station) - 0.01 },
      };
    });
    expect(task.spare, `${at}: room under the one task`).toBeLessThan(task.row / 2);
    expect(task.station, at).toEqual({ text: '临平运河', cut: false });
    await context.close();
  }
  // Four screens, each a fresh page rendering the map in software: 50 s alone on 2 cores.
}, 300_000);

test('the presence list shows whole rows only and says how many more people are online', async (t) => {
  assertClientBuilt();
  const server = await startServer(t, { simulate: false });
  // Everyone of the demo online besides the wall: four groups, five people.
  for (const user of ['commander', 'deqing', 'linping', 'tongxiang']) {
    const { token } = await server.login(user);
    const client = await connectClient(t, server.wsUrl, `${DEMO_OP}/command`, token);
    client.provider.awareness.setLocalState({ pointer: null });
  }
  const browser = await launchBrowser(t);
  for (const [width, height, lang] of [
    [1366, 768, 'zh-CN'],
    [1920, 1080, 'en'],
  ] as const) {
    const { context } = await newContext(browser, { viewport: { width, height } });
    await context.addInitScript((l) => localStorage.setItem('jointmap.locale', l), lang);
    const page = await context.newPage();
    await loginAs(page, server.url, 'wall', DEMO_PASSWORD, `#/wall/${DEMO_OP}`);
    await waitForMap(page);
    const more = page.getByTestId('presence-more');
    await more.waitFor({ timeout: 15_000 });
    const list = await page.getByTestId('presence').evaluate((panel) => {
      const box = panel.getBoundingClientRect();
      const rows = Array.from(panel.children).filter((el) => el.getBoundingClientRect().height > 0);
      return {
        people: panel.querySelectorAll('[data-testid=presence-person]').length,
        cut: rows
          .filter((el) => el.getBoundingClientRect().bottom > box.bottom + 0.5)
          .map((el) => el.textContent?.trim()),
        bottom: box.bottom,
      };
    });
    await page.screenshot({ path: `test-results/wall-presence-${width}.png` });
    expect(list.cut, `${width}×${height}: rows cut at the bottom`).toEqual([]);
    expect(list.people).toBeGreaterThan(0);
    expect(list.bottom).toBeLessThanOrEqual(height);
    const text = (await more.textContent())!.trim();
    expect(text).toBe(lang === 'en' ? `${5 - list.people} more` : `另有 ${5 - list.people} 人`);
    await context.close();
  }
});

test('a file dragged onto the wall is refused, not opened by the browser in place of the wall', async (t) => {
  assertClientBuilt();
  const server = await startServer(t, { simulate: false });
  const browser = await launchBrowser(t);
  const { context } = await newContext(browser, { viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  await loginAs(page, server.url, 'wall', DEMO_PASSWORD, `#/wall/${DEMO_OP}`);
  await waitForMap(page);
  // dispatchEvent answers false when the page cancelled the event: the browser's own handling
  // (opening the file in the tab) does not happen.
  const handled = await page.evaluate(() => {
    const data = new DataTransfer();
    data.items.add(
      new File(['{"type":"FeatureCollection","features":[]}'], '区域.geojson', { type: 'application/geo+json' }),
    );
    const target = document.querySelector('[data-testid=map]')!;
    return ['dragover', 'drop'].map((type) => {
      const event = new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true });
      const proceeded = target.dispatchEvent(event);
      return { type, proceeded, dropEffect: data.dropEffect };
    });
  });
  expect(handled).toEqual([
    { type: 'dragover', proceeded: false, dropEffect: 'none' },
    { type: 'drop', proceeded: false, dropEffect: 'none' },
  ]);
  expect(page.url()).toContain(`#/wall/${DEMO_OP}`);
});

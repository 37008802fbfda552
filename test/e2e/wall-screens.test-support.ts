import { applyChange, dispatchChanges, docName, type Unit } from '@jointmap/shared';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { CAR, FOOT, YUNHE_CAR, send } from '../alerts/alert-helpers.ts';
import { DEMO_OP, DEMO_PASSWORD, type Teardown, type TestServer } from '../helpers/server.ts';
import { loginAs } from '../helpers/browser.ts';
import { api } from '../live/live-helpers.ts';
import { connectClient } from '../helpers/sync-client.ts';
import { JUNCTION, offset, raiseTask } from './dispatch-scene.ts';

/** The people besides the wall on the presence list of the crowded column. */
export const PRESENT = ['commander', 'deqing', 'linping', 'tongxiang'] as const;

/**
 * The right column as a search fills it: two open SOS alerts, one task with four units on it, nine
 * units (the demo's eight and one more) and four people online besides the wall. Resolves with
 * the task's id once the server holds it all.
 */
export async function crowdedColumn(t: Teardown, server: TestServer): Promise<string> {
  const commander = await server.login('commander');
  const added = await api(server, commander.token, 'POST', `/api/operations/${DEMO_OP}/units`, {
    id: 'wall-extra-1',
    callsign: '禹越增援01',
    kind: 'car',
    stationId: 'deqing-yuyue',
  });
  expect(added.status, JSON.stringify(added.body)).toBe(201);
  const task = await raiseTask(server, 'linping', 'linping-yunhe', {
    title: '运河街道走失老人搜寻',
    location: { type: 'Point', coordinates: offset(JUNCTION, 300, 0) },
    priority: 'urgent',
    targetStations: ['deqing-yuyue'],
  });
  // Four units sent to it, as a dispatch writes them (each into its station's document).
  const onTask = [
    [CAR.stationId, CAR.unitId],
    [FOOT.stationId, FOOT.unitId],
    [YUNHE_CAR.stationId, YUNHE_CAR.unitId],
    ['linping-yunhe', 'yunhe-boat-02'],
  ] as const;
  const units: Unit[] = [];
  for (const [station, id] of onTask) {
    const room = await server.ctx.rooms.get(docName(DEMO_OP, station));
    units.push(room.doc.getMap<Unit>('units').get(id)!);
  }
  for (const [station, change] of dispatchChanges(units, task.id, Date.now())) {
    const room = await server.ctx.rooms.get(docName(DEMO_OP, station));
    await room.serverChange((doc) => applyChange(doc, 'station', change, { source: 'server' }, station));
  }
  // Two units press their SOS buttons: two open alerts.
  await sos(server, [CAR.deviceId, YUNHE_CAR.deviceId]);
  for (const user of PRESENT) {
    const { token } = await server.login(user);
    const client = await connectClient(t, server.wsUrl, `${DEMO_OP}/command`, token);
    client.provider.awareness.setLocalState({ pointer: null });
  }
  return task.id;
}

const sos = async (server: TestServer, devices: readonly string[]) => {
  for (const device of devices)
    await send(server, device, [{ time: Date.now() - 1_000, at: offset(JUNCTION, 100, 100), alarm: 'sos' }]);
};

/** Three more units press their SOS buttons: five open alerts, more than the alert board's share holds. */
export const moreAlerts = (server: TestServer) =>
  sos(server, ['demo-zhouquan-01', 'demo-zhouquan-02', 'demo-drone-01']);

/** What one board of the right column shows: its rows, and those not wholly inside its list's box. */
export interface BoardRows {
  shown: number;
  /** Of the board (for the presence list, of the list). */
  height: number;
  cut: string[];
  /** The list's box reaches past the bottom of the column (or the window). */
  outside: boolean;
}

/**
 * Every board of the wall's right column (alerts, tasks, units and the presence list), read in one
 * go: a row shown must lie wholly inside its list (bottom at most half a pixel below the list's),
 * and each list inside the column.
 */
export function columnRows(page: Page): Promise<Record<'alerts' | 'tasks' | 'units' | 'presence', BoardRows>> {
  return page.evaluate(() => {
    const column = document.querySelector('[data-testid=wall] aside')!.getBoundingClientRect();
    const read = (list: Element, rows: Element[], board = list) => {
      const box = list.getBoundingClientRect();
      return {
        shown: rows.length,
        height: board.getBoundingClientRect().height,
        cut: rows
          .filter((row) => {
            const r = row.getBoundingClientRect();
            return r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5;
          })
          .map((row) => row.textContent!.replace(/\s+/g, ' ').trim().slice(0, 40)),
        outside: box.bottom > Math.min(column.bottom, innerHeight) + 0.5,
      };
    };
    const board = (testid: string) => {
      const list = document.querySelector(`[data-testid=${testid}] ul`)!;
      return read(list, Array.from(list.children), list.closest('section')!);
    };
    const presence = document.querySelector('[data-testid=presence]')!;
    return {
      alerts: board('wall-alerts'),
      tasks: board('task-board'),
      units: board('unit-board'),
      presence: read(presence, Array.from(presence.querySelectorAll(':scope > .row'))),
    };
  });
}

/**
 * Open the wall in `page` once the server holds the crowded column with `alerts` open alerts, wait
 * until it shows all of it, and read its boards once they have settled (each measures what fits
 * once its rows are there); the screenshot goes to `shot`.
 */
export async function settledColumn(
  page: Page,
  server: TestServer,
  alerts: number,
  shot: string,
): Promise<Awaited<ReturnType<typeof columnRows>>> {
  await loginAs(page, server.url, 'wall', DEMO_PASSWORD, `#/wall/${DEMO_OP}`);
  // Not waitForMap: the SOS markers pulse, so the map never goes idle.
  await page.waitForSelector('[data-testid=map][data-loaded=true]', { timeout: 60_000 });
  await page.waitForSelector(`[data-testid=wall-alerts][data-count="${alerts}"]`);
  await page.waitForSelector('[data-testid=task-board][data-count="1"]');
  await page.waitForSelector('[data-testid=unit-board][data-count="9"]');
  await page.waitForSelector('[data-testid=task-board-row] [data-testid=task-board-units]');
  // Everyone online is on the list or counted in its "N more" line.
  await expect
    .poll(() =>
      page.getByTestId('presence').evaluate((panel) => {
        const more = panel.querySelector('[data-testid=presence-more]')?.textContent?.match(/\d+/)?.[0];
        return panel.querySelectorAll('[data-testid=presence-person]').length + Number(more ?? 0);
      }),
    )
    .toBe(PRESENT.length + 1);
  let rows = await columnRows(page);
  // A failing column is read again until this gives up, then reported by the caller, board by board.
  await expect
    .poll(
      async () => {
        rows = await columnRows(page);
        return Object.values(rows).flatMap((b) => b.cut);
      },
      { timeout: 5_000 },
    )
    .toEqual([])
    .catch(() => undefined);
  await page.screenshot({ path: shot });
  return rows;
}

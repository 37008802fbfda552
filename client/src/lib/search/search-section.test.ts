// @vitest-environment jsdom
import { expect, onTestFinished, test } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { responseKey, type Search, type Task, type TaskResponse, type Unit } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { offlineCommanderSession } from '../state/offline-session-harness.test-support.ts';
import { i18n } from '../i18n/i18n.svelte.ts';
import { newMarker } from './markers.ts';
import { createSearch } from './search-writes.ts';
import SearchSection from './SearchSection.svelte';

/** A task of the command with 德清禹越 as its target. */
const task = (id: string, overrides: Partial<Task> = {}): Task =>
  fixtures.missingPersonTask({
    id,
    stationId: 'command',
    description: '',
    location: { type: 'Point', coordinates: [120.29, 30.52] },
    targetStations: ['deqing-yuyue'],
    createdBy: 'u-cmd',
    ...overrides,
  });

/** The task panel's search section of `t`, as the commander sees it. */
function render(session: ReturnType<typeof offlineCommanderSession>, t: Task): HTMLElement {
  const target = document.createElement('div');
  document.body.append(target);
  const app = mount(SearchSection, { target, props: { session, task: { scope: 'command', task: t } } });
  flushSync();
  onTestFinished(() => {
    unmount(app);
    target.remove();
  });
  return target;
}

test('a search is offered on a live task, not on one that has ended (closed, cancelled, resolved by a target)', () => {
  const session = offlineCommanderSession(['deqing-yuyue']);
  const open = task('t-open');
  const closed = task('t-closed', { state: 'closed' });
  const cancelled = task('t-cancelled', { state: 'cancelled' });
  const resolved = task('t-resolved');
  for (const t of [open, closed, cancelled, resolved])
    session.write('command', { type: 'put', map: 'tasks', key: t.id, value: t });
  const answer: TaskResponse = {
    taskId: resolved.id,
    taskStationId: 'command',
    stationId: 'deqing-yuyue',
    status: 'resolved',
    unitIds: [],
    note: '',
    updatedBy: 'u-deqing',
    updatedAt: 1_700_000_000_500,
  };
  session.write('deqing-yuyue', {
    type: 'put',
    map: 'responses',
    key: responseKey('command', resolved.id),
    value: answer,
  });

  const offered = (t: Task) => {
    const el = render(session, t);
    return {
      start: el.querySelector('[data-testid="search-start"]') !== null,
      why: el.querySelector('[data-testid="search-task-ended"]')?.textContent?.trim() ?? null,
    };
  };
  expect(offered(open)).toEqual({ start: true, why: null });
  const why = i18n.t('search.taskEnded');
  for (const t of [closed, cancelled, resolved])
    expect({ task: t.id, ...offered(t) }).toEqual({ task: t.id, start: false, why });
  // Reopened after the target's 办结: a search may start again.
  const reopened = { ...resolved, reopenedAt: answer.updatedAt + 1000 };
  session.write('command', { type: 'put', map: 'tasks', key: reopened.id, value: reopened });
  expect(offered(reopened)).toEqual({ start: true, why: null });
});

test('the commander confirms a found marker 25 minutes after it was dropped: the found time is the marker’s, the units are the server’s to release', () => {
  const session = offlineCommanderSession(['deqing-yuyue']);
  const t = task('t-search');
  const search = createSearch({
    task: t,
    area: {
      type: 'Polygon',
      coordinates: [
        [
          [120.28, 30.51],
          [120.3, 30.51],
          [120.3, 30.53],
          [120.28, 30.53],
          [120.28, 30.51],
        ],
      ],
    },
    lastKnown: null,
    lastSeenAt: null,
    travelMode: null,
    sectors: [],
    sweepWidthM: 30,
    userId: 'u-cmd',
    now: Date.now() - 60 * 60_000,
  });
  session.write('command', { type: 'put', map: 'tasks', key: t.id, value: t });
  session.write('command', search.change);
  // 德清's patrol dropped the found marker 25 minutes ago.
  const droppedAt = Date.now() - 25 * 60_000;
  session.putAnnotation(
    'deqing-yuyue',
    newMarker('found', [120.29, 30.52], '已找到：老人安全', 'u-deqing', droppedAt, 'a-found01'),
  );

  // 德清's car on the task: 德清 may move it to another task at this moment (offline, say).
  const car = fixtures.unit({
    id: 'yuyue-car-01',
    stationId: 'deqing-yuyue',
    status: 'en_route',
    assignedTaskId: t.id,
  });
  session.write('deqing-yuyue', { type: 'put', map: 'units', key: car.id, value: car });

  const el = render(session, t);
  el.querySelector<HTMLButtonElement>('[data-testid="search-end-found"]')!.click();
  flushSync();
  el.querySelector<HTMLButtonElement>('[data-testid="search-found-confirm"]')!.click();
  flushSync();

  const ended = session.commandRecords<Search>('searches').find((s) => s.id === search.search.id)!;
  expect(ended.status).toBe('found');
  expect(ended.found).toMatchObject({ at: droppedAt, stationId: 'deqing-yuyue' });
  expect(ended.found!.location.coordinates).toEqual([120.29, 30.52]);
  // The search itself ended when the commander confirmed, now.
  expect(Math.abs(ended.updatedAt - Date.now())).toBeLessThan(5_000);
  // The task closed; its car is not written from here (that write could undo 德清's concurrent
  // move): the server releases it with a write that yields.
  expect(session.commandDoc.doc.getMap<Task>('tasks').get(t.id)?.state).toBe('closed');
  expect(session.doc('deqing-yuyue')!.doc.getMap<Unit>('units').get(car.id)).toEqual(car);
});

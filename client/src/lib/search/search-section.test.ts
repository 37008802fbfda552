// @vitest-environment jsdom
import { expect, onTestFinished, test } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import * as Y from 'yjs';
import {
  responseKey,
  type Annotation,
  type Search,
  type Sector,
  type Task,
  type TaskResponse,
  type Unit,
} from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { offlineCommanderSession, offlineSession } from '../state/offline-session-harness.test-support.ts';
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

/** Let the session's per-frame readers run (a frame is a timer here), then the component update. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  flushSync();
}

test('a search ended as found resumes once its task is reopened: the commander’s 恢复搜索 makes it active on the same sectors', async () => {
  const session = offlineCommanderSession(['deqing-yuyue']);
  const t = task('t-resume');
  const { search, sectors, change } = createSearch({
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
    sectors: [
      {
        name: 'A1',
        stationId: 'deqing-yuyue',
        polygon: {
          type: 'Polygon',
          coordinates: [
            [
              [120.28, 30.51],
              [120.29, 30.51],
              [120.29, 30.52],
              [120.28, 30.51],
            ],
          ],
        },
      },
    ],
    sweepWidthM: 30,
    userId: 'u-cmd',
    now: Date.now() - 60 * 60_000,
  });
  session.write('command', { type: 'put', map: 'tasks', key: t.id, value: t });
  session.write('command', change);
  // A1 was being searched; 德清 dropped a found marker (the identification later proves wrong).
  const a1: Sector = { ...sectors[0]!, status: 'searching' };
  session.write('command', { type: 'put', map: 'sectors', key: a1.id, value: a1 });
  const marker = newMarker('found', [120.29, 30.52], '找到', 'u-deqing', Date.now() - 10 * 60_000, 'a-found02');
  session.putAnnotation('deqing-yuyue', marker);

  const el = render(session, t);
  const q = (id: string) => el.querySelector(`[data-testid="${id}"]`);
  const stored = () => session.commandDoc.doc.getMap<Search>('searches').get(search.id)!;
  const section = () => ({
    status: q('search-section')?.getAttribute('data-status'),
    badge: el.querySelector('h3 .badge')?.textContent?.trim(),
    resume: q('search-resume') !== null,
    blocked: q('search-resume-task-ended')?.textContent?.trim() ?? null,
    editable: q('sector-status') !== null && q('sector-assign') !== null,
    end: q('search-end') !== null,
  });
  expect(section()).toMatchObject({ status: 'active', resume: false, editable: true, end: true });

  // Ended as found: the task closes; while it stays closed there is no resume, and the section says why.
  (q('search-end-found') as HTMLButtonElement).click();
  await settle();
  (q('search-found-confirm') as HTMLButtonElement).click();
  await settle();
  expect(stored().status).toBe('found');
  const endedAt = stored().updatedAt;
  expect(session.commandDoc.doc.getMap<Task>('tasks').get(t.id)?.state).toBe('closed');
  expect(section()).toEqual({
    status: 'found',
    badge: i18n.t('search.status.found'),
    resume: false,
    blocked: i18n.t('search.resume.taskEnded'),
    editable: false,
    end: false,
  });

  // Another console sees the same found search on the reopened task: a dispatcher gets no resume.
  const closedTask = session.commandDoc.doc.getMap<Task>('tasks').get(t.id)!;
  const reopened: Task = { ...closedTask, state: 'open', reopenedAt: Date.now(), updatedAt: Date.now() };
  session.write('command', { type: 'put', map: 'tasks', key: t.id, value: reopened });
  await settle();
  const station = offlineSession({ id: 'u-deqing', name: '德清', role: 'dispatcher', stationId: 'deqing-yuyue' }, [
    'deqing-yuyue',
  ]);
  Y.applyUpdate(station.commandDoc.doc, Y.encodeStateAsUpdate(session.commandDoc.doc));
  const other = render(station, reopened);
  await settle();
  expect(other.querySelector('[data-testid="search-section"]')?.getAttribute('data-status')).toBe('found');
  expect(other.querySelector('[data-testid="search-resume-box"]')).toBeNull();

  // The commander's section, with the task reopened, offers 恢复搜索.
  expect(section()).toMatchObject({ status: 'found', resume: true, blocked: null, editable: false });
  // What the button will do: the split and sweep stay; the found location goes, its marker stays.
  expect(q('search-resume-hint')?.textContent?.trim()).toBe('恢复后，分区及其状态、已搜覆盖均保留');
  expect(q('search-resume-hint-found')?.textContent?.trim()).toBe(i18n.t('search.resume.hintFound'));
  (q('search-resume') as HTMLButtonElement).click();
  await settle();
  const resumed = stored();
  expect(resumed).toEqual({
    ...search,
    status: 'active',
    found: null,
    pauses: [{ from: endedAt, to: resumed.updatedAt }],
    updatedAt: resumed.updatedAt,
  });
  expect(resumed.updatedAt).toBeGreaterThanOrEqual(endedAt);
  expect(section()).toEqual({
    status: 'active',
    badge: i18n.t('search.status.active'),
    resume: false,
    blocked: null,
    editable: true,
    end: true,
  });
  // The sectors are as they were (status and assignment), and the found marker stays a marker.
  expect(session.commandDoc.doc.getMap<Sector>('sectors').get(a1.id)).toEqual(a1);
  expect(el.querySelector(`[data-testid="sector-row"][data-sector="${a1.id}"]`)?.getAttribute('data-status')).toBe(
    'searching',
  );
  expect(session.doc('deqing-yuyue')!.doc.getMap<Annotation>('annotations').get(marker.id)).toEqual(marker);
  expect(session.commandDoc.doc.getMap<Task>('tasks').get(t.id)?.state).toBe('open');
});

test('a search ended without finding, its task still open, can be resumed at once', async () => {
  const session = offlineCommanderSession(['deqing-yuyue']);
  const t = task('t-closed-search');
  const { search, change } = createSearch({
    task: t,
    area: {
      type: 'Polygon',
      coordinates: [
        [
          [120.28, 30.51],
          [120.3, 30.51],
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
  session.write('command', change);
  const el = render(session, t);
  (el.querySelector('[data-testid="search-end-close"]') as HTMLButtonElement).click();
  await settle();
  (el.querySelector('[data-testid="search-close-confirm"]') as HTMLButtonElement).click();
  await settle();
  expect(el.querySelector('[data-testid="search-section"]')?.getAttribute('data-status')).toBe('closed');
  // Nothing was found: the hint says nothing of a found marker.
  expect(el.querySelector('[data-testid="search-resume-hint"]')?.textContent?.trim()).toBe(
    i18n.t('search.resume.hint'),
  );
  expect(el.querySelector('[data-testid="search-resume-hint-found"]')).toBeNull();
  expect(el.querySelector('[data-testid="search-resume-box"]')?.textContent).not.toMatch(/找到标记|found marker/);
  (el.querySelector('[data-testid="search-resume"]') as HTMLButtonElement).click();
  await settle();
  expect(session.commandDoc.doc.getMap<Search>('searches').get(search.id)?.status).toBe('active');
  expect(el.querySelector('[data-testid="search-section"]')?.getAttribute('data-status')).toBe('active');
});

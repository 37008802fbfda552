import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { LoggedUpdate } from '../storage/types.ts';
import { replayLogs, timePerStatus } from './report-replay.ts';
import { acrossTrackers } from './report-service.ts';

/** A document's update log written step by step: each step one transaction at a given time and author. */
function log(steps: Array<[number, string | null, (doc: Y.Doc) => void]>): LoggedUpdate[] {
  const doc = new Y.Doc();
  const out: LoggedUpdate[] = [];
  doc.on('update', (update: Uint8Array) => {
    const [time, userId] = pending!;
    out.push({ seq: out.length + 1, update, sessionId: null, userId, time });
  });
  let pending: [number, string | null] | null = null;
  for (const [time, userId, write] of steps) {
    pending = [time, userId];
    doc.transact(() => write(doc));
  }
  return out;
}

const task = (state: string, id = 't1') => ({
  id,
  stationId: 'linping',
  title: '协查',
  priority: 'high',
  state,
  targetStations: ['deqing'],
});
const answer = (status: string, taskId = 't1') => ({
  taskId,
  taskStationId: 'linping',
  stationId: 'deqing',
  status,
  updatedAt: 0,
});
const unit = (status: string) => ({ id: 'car', stationId: 'deqing', callsign: '禹越巡01', status });

describe('replayLogs', () => {
  it('gives answer times relative to tasks replayed later, unit status spans with removal, and updates per author', async () => {
    // The answering station's document comes first: its answers wait for the task.
    const deqing = log([
      [1_000, null, (d) => d.getMap('units').set('car', unit('available'))],
      [
        5_000,
        'u-deqing',
        (d) => {
          // One update changes two maps: both are seen.
          d.getMap('responses').set('linping:t1', answer('accepted'));
          d.getMap('units').set('car', unit('en_route'));
        },
      ],
      [9_000, 'u-deqing', (d) => d.getMap('responses').set('linping:t1', answer('on_scene'))],
      [9_000, 'u-deqing', (d) => d.getMap('units').set('car', unit('on_scene'))],
      [12_000, 'u-deqing', (d) => d.getMap('responses').set('linping:t1', answer('accepted'))],
      [20_000, 'u-deqing', (d) => d.getMap('units').delete('car')],
    ]);
    const linping = log([
      [2_000, 'u-linping', (d) => d.getMap('tasks').set('t1', task('open'))],
      [30_000, 'u-linping', (d) => d.getMap('tasks').set('t1', task('closed'))],
    ]);
    const r = await replayLogs([deqing, linping]);

    const t = r.tasks.get('linping:t1')!;
    expect([t.raisedAt, t.raisedBy, t.endedAt, t.finalState, t.status]).toEqual([
      2_000,
      'u-linping',
      30_000,
      'closed',
      'resolved',
    ]);
    // The first time each status was reached (going back to accepted does not move it).
    expect(t.answers).toEqual({ deqing: { accepted: 5_000, on_scene: 9_000 } });

    const car = r.units.get('deqing/car')!;
    expect(car.changes).toEqual([
      { time: 1_000, status: 'available' },
      { time: 5_000, status: 'en_route' },
      { time: 9_000, status: 'on_scene' },
      { time: 20_000, status: null },
    ]);
    // Clipped to the window [3 s, 40 s]; nothing counts after the removal.
    expect(timePerStatus(car.changes, 3_000, 40_000)).toEqual({ available: 2_000, en_route: 4_000, on_scene: 11_000 });

    expect(Object.fromEntries(r.authors)).toEqual({
      null: { updates: 1, first: 1_000, last: 1_000 },
      'u-deqing': { updates: 5, first: 5_000, last: 20_000 },
      'u-linping': { updates: 2, first: 2_000, last: 30_000 },
    });
  });

  it('ends a task when its target resolves it, tells cancelled from resolved, and takes the final close after a reopening', async () => {
    const deqing = log([
      [5_000, 'u-deqing', (d) => d.getMap('responses').set('linping:resolved', answer('accepted', 'resolved'))],
      [8_000, 'u-deqing', (d) => d.getMap('responses').set('linping:resolved', answer('resolved', 'resolved'))],
      [9_000, 'u-deqing', (d) => d.getMap('responses').set('linping:reopened', answer('on_scene', 'reopened'))],
    ]);
    const linping = log([
      [
        1_000,
        'u-linping',
        (d) => {
          for (const id of ['resolved', 'cancelled', 'reopened', 'open']) d.getMap('tasks').set(id, task('open', id));
        },
      ],
      [6_000, 'u-linping', (d) => d.getMap('tasks').set('cancelled', task('cancelled', 'cancelled'))],
      [7_000, 'u-linping', (d) => d.getMap('tasks').set('reopened', task('closed', 'reopened'))],
      [10_000, 'u-linping', (d) => d.getMap('tasks').set('reopened', task('open', 'reopened'))],
      [15_000, 'u-linping', (d) => d.getMap('tasks').set('reopened', task('closed', 'reopened'))],
      // Closing a task its target already resolved does not move its end.
      [20_000, 'u-linping', (d) => d.getMap('tasks').set('resolved', task('closed', 'resolved'))],
    ]);
    const r = await replayLogs([deqing, linping]);
    const ending = (id: string) => {
      const t = r.tasks.get(`linping:${id}`)!;
      return [t.status, t.endedAt, t.finalState];
    };
    expect(ending('resolved')).toEqual(['resolved', 8_000, 'closed']);
    expect(ending('cancelled')).toEqual(['cancelled', 6_000, 'cancelled']);
    expect(ending('reopened')).toEqual(['resolved', 15_000, 'closed']);
    expect(ending('open')).toEqual(['open', null, 'open']);
  });

  it('counts an answer given again after a reopen, with the status it had before', async () => {
    const deqing = log([
      [2_000, 'u-deqing', (d) => d.getMap('responses').set('linping:t1', { ...answer('resolved'), updatedAt: 2_000 })],
      // After the reopen (at 5,000) 禹越 finishes it again: the same status, a new answer.
      [8_000, 'u-deqing', (d) => d.getMap('responses').set('linping:t1', { ...answer('resolved'), updatedAt: 8_000 })],
    ]);
    const linping = log([
      [1_000, 'u-linping', (d) => d.getMap('tasks').set('t1', task('open'))],
      [4_000, 'u-linping', (d) => d.getMap('tasks').set('t1', task('closed'))],
      [5_000, 'u-linping', (d) => d.getMap('tasks').set('t1', { ...task('open'), reopenedAt: 5_000 })],
    ]);
    const t = (await replayLogs([deqing, linping])).tasks.get('linping:t1')!;
    expect([t.status, t.endedAt]).toEqual(['resolved', 8_000]);
  });
});

it('takes a reopening while the task is still open: the answer before it no longer ends the task', async () => {
  const deqing = log([
    [2_000, 'u-deqing', (d) => d.getMap('responses').set('linping:t1', { ...answer('resolved'), updatedAt: 2_000 })],
  ]);
  const linping = log([
    [1_000, 'u-linping', (d) => d.getMap('tasks').set('t1', task('open'))],
    [5_000, 'u-linping', (d) => d.getMap('tasks').set('t1', { ...task('open'), reopenedAt: 5_000 })],
  ]);
  const t = (await replayLogs([deqing, linping])).tasks.get('linping:t1')!;
  expect([t.status, t.endedAt]).toEqual(['open', null]);
});

describe('acrossTrackers', () => {
  it('takes the longest of trackers reporting at once, and adds up those reporting one after another', () => {
    const car = { first: 0, lastTime: 100, distanceM: 900 };
    const phone = { first: 10, lastTime: 90, distanceM: 1_000 };
    const afternoonPhone = { first: 200, lastTime: 300, distanceM: 500 };
    expect(acrossTrackers([car, phone])).toBe(1_000);
    expect(acrossTrackers([afternoonPhone, car])).toBe(1_400);
    expect(acrossTrackers([car, phone, afternoonPhone])).toBe(1_500);
    expect(acrossTrackers([])).toBe(0);
  });
});

import { describe, expect, test } from 'vitest';
import { fixtures } from '../fixtures/records.ts';
import { explainEntry } from '../schema/index.ts';
import type { Task } from '../schema/task.ts';
import { endedTaskIds } from './ended.ts';
import { countsForTask, deriveTaskStatus } from './task-status.ts';

describe('deriveTaskStatus', () => {
  const task = fixtures.missingPersonTask();
  test('open without responses', () => expect(deriveTaskStatus(task, [])).toBe('open'));
  test('the most advanced response wins', () => {
    const rs = [
      fixtures.response({ stationId: 'tongxiang-zhouquan', status: 'acknowledged' }),
      fixtures.response({ stationId: 'deqing-yuyue', status: 'on_scene' }),
    ];
    expect(deriveTaskStatus(task, rs)).toBe('on_scene');
  });
  test('declined only when every target declined', () => {
    const one = [fixtures.response({ status: 'declined' })];
    expect(deriveTaskStatus(task, one)).toBe('open');
    const both = [...one, fixtures.response({ stationId: 'tongxiang-zhouquan', status: 'declined' })];
    expect(deriveTaskStatus(task, both)).toBe('declined');
  });
  test('the raising station cancels or closes', () => {
    const rs = [fixtures.response({ status: 'resolved' })];
    expect(deriveTaskStatus({ ...task, state: 'cancelled' }, rs)).toBe('cancelled');
    expect(deriveTaskStatus({ ...task, state: 'closed' }, [])).toBe('resolved');
  });
  test('responses from non-target stations or for other tasks do not count', () => {
    const rs = [
      fixtures.response({ stationId: 'wuxing-zhili', status: 'resolved' }),
      fixtures.response({ taskId: 'other', status: 'resolved' }),
      fixtures.response({ taskStationId: 'deqing-yuyue', status: 'resolved' }),
    ];
    expect(deriveTaskStatus(task, rs)).toBe('open');
  });
  test('a station’s latest response counts', () => {
    const rs = [
      fixtures.response({ status: 'resolved', updatedAt: 5 }),
      fixtures.response({ status: 'acknowledged', updatedAt: 9 }),
    ];
    expect(deriveTaskStatus(task, rs)).toBe('acknowledged');
  });
});

describe('a reopened task', () => {
  const task = fixtures.missingPersonTask();
  const resolvedAt = 1_700_000_000_500;
  const reopenedAt = 1_700_000_001_000;
  const resolved = fixtures.response({ status: 'resolved', updatedAt: resolvedAt });

  test('the raising station closes and reopens a task a target resolved: it is open again, and not ended', () => {
    // Before the reopen: resolved by 德清's 办结, as everyone (dispatch, the server's release) reads it.
    expect(deriveTaskStatus(task, [resolved])).toBe('resolved');
    expect(endedTaskIds([task], [resolved])).toEqual(new Set([task.id]));
    // Closed, then reopened: 德清's answer, given before the reopen, no longer ends it.
    const reopened: Task = { ...task, state: 'open', reopenedAt, updatedAt: reopenedAt };
    expect(deriveTaskStatus(reopened, [resolved])).toBe('open');
    expect(endedTaskIds([reopened], [resolved])).toEqual(new Set());
  });

  test('answers given after the reopen count again, a new 办结 ends it again', () => {
    const reopened: Task = { ...task, reopenedAt };
    const accepted = fixtures.response({
      stationId: 'tongxiang-zhouquan',
      status: 'accepted',
      updatedAt: reopenedAt + 1,
    });
    expect(deriveTaskStatus(reopened, [resolved, accepted])).toBe('accepted');
    const again = fixtures.response({ status: 'resolved', updatedAt: reopenedAt + 2 });
    expect(deriveTaskStatus(reopened, [again, accepted])).toBe('resolved');
    // Declines from before the reopen do not make it declined: every target is asked again.
    const declinedBefore = [
      fixtures.response({ status: 'declined', updatedAt: resolvedAt }),
      fixtures.response({ stationId: 'tongxiang-zhouquan', status: 'declined', updatedAt: resolvedAt }),
    ];
    expect(deriveTaskStatus(task, declinedBefore)).toBe('declined');
    expect(deriveTaskStatus(reopened, declinedBefore)).toBe('open');
  });

  test('an answer from before the reopen is history: it does not count', () => {
    const reopened: Task = { ...task, reopenedAt };
    expect(countsForTask(reopened, resolved)).toBe(false);
    expect(countsForTask(reopened, { ...resolved, updatedAt: reopenedAt })).toBe(false);
    expect(countsForTask(reopened, { ...resolved, updatedAt: reopenedAt + 1 })).toBe(true);
  });

  test('older task records without reopenedAt (or with null) count every answer, and are valid', () => {
    const older = fixtures.missingPersonTask();
    expect('reopenedAt' in older).toBe(false);
    expect(deriveTaskStatus(older, [resolved])).toBe('resolved');
    expect(deriveTaskStatus({ ...task, reopenedAt: null }, [resolved])).toBe('resolved');
    expect(explainEntry('station', 'tasks', task.id, older, task.stationId)).toBeNull();
    expect(explainEntry('station', 'tasks', task.id, { ...task, reopenedAt }, task.stationId)).toBeNull();
    expect(explainEntry('station', 'tasks', task.id, { ...task, reopenedAt: -1 }, task.stationId)).toMatch(
      /reopenedAt/,
    );
  });
});

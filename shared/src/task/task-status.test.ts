import { describe, expect, test } from 'vitest';
import { fixtures } from '../fixtures/records.ts';
import { deriveTaskStatus } from './task-status.ts';

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

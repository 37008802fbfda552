import { afterEach, describe, expect, it } from 'vitest';
import { answerTask, applyChange, docName, type TaskTimeline } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { OP, timelineApps, write } from './timeline-service.test-support.ts';

const apps = timelineApps();
afterEach(() => apps.close());
const start = () => apps.start();

// Each test builds a whole app (demo seeding hashes five passwords): slow on a loaded machine.
describe('GET /api/operations/:id/tasks/:taskId/timeline', { timeout: 60_000 }, () => {
  it('merges every document’s events oldest first, with account names; NOT_FOUND for a task never held', async () => {
    const built = await start();
    const task = fixtures.missingPersonTask({ id: 't-timeline01' });
    await write(built, 'linping-yunhe', { type: 'put', map: 'tasks', key: task.id, value: task }, 'u-linping');
    const answer = answerTask(task, 'deqing-yuyue', 'acknowledged', 'u-deqing', 2000);
    await write(
      built,
      'deqing-yuyue',
      { type: 'put', map: 'responses', key: answer.key, value: answer.value },
      'u-deqing',
    );
    await write(
      built,
      'linping-yunhe',
      { type: 'put', map: 'tasks', key: task.id, value: { ...task, state: 'closed' } },
      'u-linping',
    );

    const logged = async (scope: string) => (await built.ctx.storage.readUpdateLog(docName(OP, scope))).at(-1)!;
    const raised = (await built.ctx.storage.readUpdateLog(docName(OP, 'linping-yunhe'))).at(-2)!;
    const answered = await logged('deqing-yuyue');
    const closed = await logged('linping-yunhe');
    const who = (u: { seq: number; time: number }, scope: string, userId: string, userName: string) => ({
      time: u.time,
      seq: u.seq,
      scope,
      userId,
      userName,
      sessionId: `s-${userId}`,
    });

    const wall = await built.token('wall');
    const res = await built.app.inject({
      url: `/api/operations/${OP}/tasks/${task.id}/timeline`,
      headers: { authorization: `Bearer ${wall}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      taskId: task.id,
      events: [
        {
          ...who(raised, 'linping-yunhe', 'u-linping', '运河值班民警'),
          type: 'task_raised',
          detail: {
            stationId: 'linping-yunhe',
            title: task.title,
            priority: task.priority,
            targetStations: task.targetStations,
            nonPolice: false,
          },
        },
        {
          ...who(answered, 'deqing-yuyue', 'u-deqing', '禹越值班民警'),
          type: 'response',
          detail: {
            stationId: 'deqing-yuyue',
            status: 'acknowledged',
            previousStatus: null,
            changed: ['status'],
            note: '',
            unitIds: [],
          },
        },
        { ...who(closed, 'linping-yunhe', 'u-linping', '运河值班民警'), type: 'task_closed', detail: {} },
      ],
    } satisfies TaskTimeline);

    const missing = await built.app.inject({
      url: `/api/operations/${OP}/tasks/t-nosuchtask/timeline`,
      headers: { authorization: `Bearer ${wall}` },
    });
    expect([missing.statusCode, missing.json().error.code]).toEqual([404, 'NOT_FOUND']);
    const bad = await built.app.inject({
      url: `/api/operations/${OP}/tasks/..%2Fx/timeline`,
      headers: { authorization: `Bearer ${wall}` },
    });
    expect(bad.statusCode).toBe(400);
  });

  it('applies the operation’s visibility check', async () => {
    const built = await start();
    const commander = await built.token('commander');
    const created = await built.app.inject({
      method: 'POST',
      url: '/api/operations',
      headers: { authorization: `Bearer ${commander}` },
      payload: { id: 'op-linping', name: '运河专项', kind: 'response', stations: ['linping-yunhe'] },
    });
    expect(created.statusCode).toBe(201);
    const task = fixtures.missingPersonTask({ id: 't-private01', targetStations: [] });
    const room = await built.ctx.rooms.get('op-linping/linping-yunhe');
    await room.serverChange((doc) =>
      applyChange(doc, 'station', { type: 'put', map: 'tasks', key: task.id, value: task }, { source: 'server' }),
    );
    const url = `/api/operations/op-linping/tasks/${task.id}/timeline`;
    const as = async (user: string) =>
      built.app.inject({ url, headers: { authorization: `Bearer ${await built.token(user)}` } });
    const outsider = await as('deqing');
    expect([outsider.statusCode, outsider.json().error.code]).toEqual([404, 'NOT_FOUND']);
    const insider = await as('linping');
    expect(insider.statusCode).toBe(200);
    expect((insider.json() as TaskTimeline).events.map((e) => [e.type, e.userId, e.userName])).toEqual([
      ['task_raised', null, null],
    ]);
    const anonymous = await built.app.inject({ url });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('GET /api/operations/:id', { timeout: 60_000 }, () => {
  it('carries the dispatch settings of the server', async () => {
    const built = await start();
    const res = await built.app.inject({
      url: `/api/operations/${OP}`,
      headers: { authorization: `Bearer ${await built.token('deqing')}` },
    });
    expect(res.json().dispatch).toEqual({
      targetRadiusM: 3000,
      detourFactor: 1.4,
      speedKmh: { car: 40, motorbike: 35, foot: 5, dog: 6, drone: 50, boat: 15 },
      ringMinutes: [1, 3, 5, 8],
      ringSpeedKmh: 40,
    });
  });
});

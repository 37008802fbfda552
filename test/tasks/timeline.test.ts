import { describe, expect, test } from 'vitest';
import {
  COMMAND_STATION_ID,
  dispatchChanges,
  parseTaskTimeline,
  type TaskTimeline,
  type TimelineEvent,
} from '@jointmap/shared';
import { expectOnEvery, newTaskId, openConsoles, type OperationConsole } from '../helpers/op-console.ts';
import { DEMO_OP, startServer, type TestServer } from '../helpers/server.ts';
import { answer, DEQING, LINPING, missingPersonTask, raise, taskView, TONGXIANG, tricounty } from '../helpers/tasks.ts';

const CAR = 'yuyue-car-01';

async function timeline(
  server: TestServer,
  token: string | null,
  taskId: string,
  operationId = DEMO_OP,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.url}/api/operations/${operationId}/tasks/${taskId}/timeline`, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: await res.json() };
}

/** An event as the test expects it: who, where and what; when and which session are checked apart. */
function event(
  type: TimelineEvent['type'],
  scope: string,
  by: OperationConsole,
  detail: Record<string, unknown>,
): Record<string, unknown> {
  return {
    type,
    scope,
    userId: by.user.id,
    userName: by.user.name,
    detail,
    time: expect.any(Number),
    seq: expect.any(Number),
    sessionId: expect.any(String),
  };
}

describe('task timeline from the stored update log', () => {
  test('raise, two answers, dispatch, reassignment by the commander, close: in order, with names, also after a restart', async (t) => {
    const { server, linping, deqing, tongxiang, commander, all } = await tricounty(t);
    const start = Date.now();
    // Each step is visible on every console before the next one starts, so the server stored
    // them in this order.
    const task = raise(linping, missingPersonTask(newTaskId()));
    await expectOnEvery(all, (c) => c.task(LINPING, task.id), task, 'raised');
    const accepted = answer(deqing, task, 'accepted', { note: '禹越派出所接警' });
    await expectOnEvery(all, (c) => taskView(task)(c).responses[DEQING], accepted, '德清 answered');
    const declined = answer(tongxiang, task, 'declined', { note: '洲泉警力不足' });
    await expectOnEvery(all, (c) => taskView(task)(c).responses[TONGXIANG], declined, '桐乡 answered');
    deqing.write(DEQING, dispatchChanges([deqing.unit(CAR)!], task.id, Date.now()).get(DEQING)!);
    await expectOnEvery(all, (c) => c.unit(CAR)?.assignedTaskId, task.id, 'dispatched');
    // The commander raises a second task and moves 德清's car to it.
    const other = raise(
      commander,
      missingPersonTask(newTaskId(), {
        stationId: COMMAND_STATION_ID,
        title: '洲泉方向线索核查',
        targetStations: [DEQING, TONGXIANG],
        createdBy: commander.user.id,
      }),
    );
    await expectOnEvery(all, (c) => c.task(COMMAND_STATION_ID, other.id), other, 'second task');
    commander.write(DEQING, dispatchChanges([commander.unit(CAR)!], other.id, Date.now()).get(DEQING)!);
    await expectOnEvery(all, (c) => c.unit(CAR)?.assignedTaskId, other.id, 'reassigned');
    const closed = raise(linping, { ...task, state: 'closed', updatedAt: Date.now() });
    await expectOnEvery(all, (c) => c.task(LINPING, task.id), closed, 'closed');
    const end = Date.now();

    const unit = { unitId: CAR, callsign: '禹越巡01', stationId: DEQING };
    const expected = [
      event('task_raised', LINPING, linping, {
        stationId: LINPING,
        title: '走失老人协查',
        priority: 'urgent',
        targetStations: [DEQING, TONGXIANG],
        nonPolice: false,
      }),
      event('response', DEQING, deqing, {
        stationId: DEQING,
        status: 'accepted',
        previousStatus: null,
        changed: ['status', 'note'],
        note: '禹越派出所接警',
        unitIds: [],
      }),
      event('response', TONGXIANG, tongxiang, {
        stationId: TONGXIANG,
        status: 'declined',
        previousStatus: null,
        changed: ['status', 'note'],
        note: '洲泉警力不足',
        unitIds: [],
      }),
      event('unit_dispatched', DEQING, deqing, { ...unit, status: 'en_route', fromTaskId: null }),
      event('unit_reassigned_away', DEQING, commander, { ...unit, toTaskId: other.id }),
      event('task_closed', LINPING, linping, {}),
    ];
    const { token } = await server.login('tongxiang');
    const res = await timeline(server, token, task.id);
    expect(res.status).toBe(200);
    expect(parseTaskTimeline(res.body)).toEqual({ ok: true, value: res.body });
    const body = res.body as TaskTimeline;
    expect(body).toEqual({ taskId: task.id, events: expected });
    expect(body.events.map((e) => e.userName)).toEqual([
      '运河值班民警',
      '禹越值班民警',
      '洲泉值班民警',
      '禹越值班民警',
      '联合指挥长',
      '运河值班民警',
    ]);
    const times = body.events.map((e) => e.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times.every((x) => x >= start && x <= end)).toBe(true);
    // One session per console: 临平 raised and closed in the same one, nobody else used it.
    const sessions = body.events.map((e) => e.sessionId);
    expect(sessions[0]).toBe(sessions[5]);
    expect(new Set(sessions).size).toBe(4);

    // The other side of the reassignment: the second task's timeline says where the unit came from.
    const otherRes = await timeline(server, token, other.id);
    expect(otherRes).toEqual({
      status: 200,
      body: {
        taskId: other.id,
        events: [
          event('task_raised', 'command', commander, {
            stationId: COMMAND_STATION_ID,
            title: '洲泉方向线索核查',
            priority: 'urgent',
            targetStations: [DEQING, TONGXIANG],
            nonPolice: false,
          }),
          event('unit_dispatched', DEQING, commander, { ...unit, status: 'en_route', fromTaskId: task.id }),
        ],
      },
    });

    // Read from the stored log: the same after a restart.
    await server.close();
    const again = await startServer(t, { dataDir: server.dataDir });
    const afterRestart = await timeline(again, (await again.login('wall')).token, task.id);
    expect(afterRestart).toEqual({ status: 200, body });
    expect(await timeline(again, (await again.login('commander')).token, other.id)).toEqual({
      status: 200,
      body: otherRes.body,
    });
  });

  test('401 without a token, 404 for an unknown task, 404 for a station outside the operation', async (t) => {
    const server = await startServer(t);
    const [linping, deqing] = await openConsoles(t, server, ['linping', 'deqing']);
    const task = raise(linping!, missingPersonTask(newTaskId()));
    // Durable before relayed: once 德清 sees the task, it is in the log.
    await expectOnEvery([deqing!], (c) => c.task(LINPING, task.id), task, 'task seen by 德清');
    const deqingToken = deqing!.token;
    const ok = await timeline(server, deqingToken, task.id);
    expect(ok.status).toBe(200);
    expect((ok.body as TaskTimeline).events.map((e) => [e.type, e.userName])).toEqual([
      ['task_raised', '运河值班民警'],
    ]);

    const anonymous = await timeline(server, null, task.id);
    expect(anonymous).toEqual({
      status: 401,
      body: { error: { code: 'UNAUTHENTICATED', message: expect.any(String) } },
    });
    const bogus = await timeline(server, 'not-a-token', task.id);
    expect(bogus.status).toBe(401);

    const unknown = await timeline(server, deqingToken, newTaskId());
    expect(unknown).toEqual({ status: 404, body: { error: { code: 'NOT_FOUND', message: expect.any(String) } } });

    // An operation of 临平 and 德清 only: 桐乡 is outside it and may not even learn it exists.
    const { token: commanderToken } = await server.login('commander');
    const created = await fetch(`${server.url}/api/operations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${commanderToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: '运河—禹越联合巡逻', kind: 'response', stations: [LINPING, DEQING] }),
    });
    expect(created.status).toBe(201);
    const opId = ((await created.json()) as { id: string }).id;
    const [inner] = await openConsoles(t, server, ['linping'], opId);
    const innerTask = raise(inner!, missingPersonTask(newTaskId(), { targetStations: [DEQING] }));
    const [deqingInner] = await openConsoles(t, server, ['deqing'], opId);
    await expectOnEvery([deqingInner!], (c) => c.task(LINPING, innerTask.id), innerTask, 'inner task seen by 德清');
    const seen = await timeline(server, deqingToken, innerTask.id, opId);
    expect((seen.body as TaskTimeline).events.map((e) => [e.type, e.scope, e.userName])).toEqual([
      ['task_raised', LINPING, '运河值班民警'],
    ]);
    const { token: tongxiangToken } = await server.login('tongxiang');
    const outside = await timeline(server, tongxiangToken, innerTask.id, opId);
    expect(outside).toEqual({ status: 404, body: { error: { code: 'NOT_FOUND', message: expect.any(String) } } });
    // Nor through the operation 桐乡 is in.
    const sideways = await timeline(server, tongxiangToken, innerTask.id, DEMO_OP);
    expect(sideways.status).toBe(404);
  });
});

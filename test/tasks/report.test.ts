import { describe, expect, it } from 'vitest';
import type { OperationReport, Unit } from '@jointmap/shared';
import { CAR, send } from '../alerts/alert-helpers.ts';
import { DEMO_OP } from '../helpers/server.ts';
import { newTaskId } from '../helpers/op-console.ts';
import { eventually } from '../helpers/sync-client.ts';
import { answer, DEQING, LINPING, missingPersonTask, raise, TONGXIANG, tricounty } from '../helpers/tasks.ts';
import { api } from '../live/live-helpers.ts';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the after-action report', () => {
  it('gives each station’s answer times, the units’ distance and time per status, alert acknowledgement delays and who changed what', async (t) => {
    const { server, linping, deqing, tongxiang } = await tricounty(t);
    const before = Date.now();
    const task = raise(linping, missingPersonTask(newTaskId()));
    // The report times each step when the server stored it: bracketed from before the console's
    // write to after another console saw it (stored before it is relayed).
    await eventually(
      () => deqing.task(LINPING, task.id) !== undefined && tongxiang.task(LINPING, task.id) !== undefined,
    );
    const raisedBy = Date.now();
    await pause(300);
    const acceptFrom = Date.now();
    answer(deqing, task, 'accepted', { unitIds: [CAR.unitId] });
    const car = deqing.doc(DEQING).getMap<Unit>('units').get(CAR.unitId)!;
    deqing.write(DEQING, {
      type: 'put',
      map: 'units',
      key: car.id,
      value: { ...car, status: 'en_route', assignedTaskId: task.id, updatedAt: Date.now() },
    });
    // Written after the answer to the same document: seen, the answer is stored too.
    await eventually(() => linping.doc(DEQING).getMap<Unit>('units').get(car.id)?.status === 'en_route');
    const acceptTo = Date.now();
    answer(tongxiang, task, 'declined', { note: '警力不足' });
    await pause(400);
    const sceneFrom = Date.now();
    answer(deqing, task, 'on_scene');
    deqing.write(DEQING, {
      type: 'put',
      map: 'units',
      key: car.id,
      value: { ...car, status: 'on_scene', assignedTaskId: task.id, updatedAt: Date.now() },
    });
    await eventually(() => linping.doc(DEQING).getMap<Unit>('units').get(car.id)?.status === 'on_scene');
    const sceneTo = Date.now();
    // Since the operation began, the car drove 3 × ~100 m, then its tracker jumped 10 km in a
    // second (a glitch, not travel) and sent SOS.
    const start = (await server.ctx.storage.getOperation(DEMO_OP))!.createdAt + 1;
    await pause(start + 7_500 - Date.now());
    await send(server, CAR.deviceId, [
      { time: start, at: [120.3, 30.5] },
      { time: start + 2_000, at: [120.301039, 30.5] },
      { time: start + 4_000, at: [120.302078, 30.5] },
      { time: start + 6_000, at: [120.303117, 30.5] },
      { time: start + 7_000, at: [120.4, 30.5], alarm: 'sos' },
    ]);
    const [sos] = await server.ctx.storage.listAlerts(DEMO_OP, { limit: 5 });
    await pause(200);
    await api(server, deqing.token, 'POST', `/api/operations/${DEMO_OP}/alerts/${sos!.id}/acknowledge`);
    await eventually(() => linping.doc(DEQING).getMap<Unit>('units').get(car.id)?.status === 'on_scene');
    await pause(300);

    const res = await api<OperationReport>(server, tongxiang.token, 'GET', `/api/operations/${DEMO_OP}/report`);
    expect(res.status).toBe(200);
    const report = res.body;
    const mine = report.tasks.find((x) => x.id === task.id)!;
    expect([mine.title, mine.raisedBy]).toEqual([task.title, 'u-linping']);
    const deqingAnswer = mine.answers.find((a) => a.stationId === DEQING)!;
    expect(Object.keys(deqingAnswer.times).sort()).toEqual(['accepted', 'on_scene']);
    expect(mine.answers.find((a) => a.stationId === TONGXIANG)!.times).toHaveProperty('declined');

    // Delays from the raise to each answer, bracketed by the wall clock around each action.
    const deqingTimes = report.responseTimes.find((r) => r.stationId === DEQING)!;
    expect(deqingTimes.tasks).toBe(1);
    expect(deqingTimes.medianAcceptMs).toBeGreaterThanOrEqual(acceptFrom - raisedBy - 5);
    expect(deqingTimes.medianAcceptMs).toBeLessThanOrEqual(acceptTo - before + 5);
    expect(deqingTimes.medianOnSceneMs).toBeGreaterThanOrEqual(sceneFrom - raisedBy - 5);
    expect(deqingTimes.medianOnSceneMs).toBeLessThanOrEqual(sceneTo - before + 5);
    expect(deqingTimes.medianFirstAnswerMs).toBe(deqingTimes.medianAcceptMs);
    expect(report.responseTimes.find((r) => r.stationId === TONGXIANG)).toMatchObject({
      tasks: 1,
      medianAcceptMs: null,
    });

    const carRow = report.units.find((u) => u.stationId === DEQING && u.unitId === CAR.unitId)!;
    expect(carRow.fixes).toBe(5);
    expect(carRow.distanceM).toBeGreaterThan(295);
    expect(carRow.distanceM).toBeLessThan(305);
    expect(carRow.timeByStatus.en_route).toBeGreaterThanOrEqual(sceneFrom - acceptTo - 5);
    expect(carRow.timeByStatus.on_scene).toBeGreaterThan(0);

    expect(report.alerts).toEqual([expect.objectContaining({ kind: 'sos', acknowledgedBy: '禹越值班民警' })]);
    expect(report.alerts[0]!.ackDelayMs).toBeGreaterThanOrEqual(200);

    const people = Object.fromEntries(report.changes.map((c) => [c.userId, c.updates]));
    expect(people['u-linping']).toBeGreaterThanOrEqual(1);
    expect(people['u-deqing']).toBeGreaterThanOrEqual(4);
    expect(people['u-tongxiang']).toBeGreaterThanOrEqual(1);
    expect(report.changes.find((c) => c.userId === 'u-deqing')!.name).toBe('禹越值班民警');
  });
});

import { describe, expect, it } from 'vitest';
import type { OperationReport, Unit } from '@jointmap/shared';
import { CAR, offset, send } from '../alerts/alert-helpers.ts';
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
    // Since the test began, the car drove 3 × ~100 m, then its tracker jumped 10 km in a second (a
    // glitch, not travel) and sent SOS. After the rosters were filled: a unit's fixes count only
    // while it is on its roster.
    const start = before;
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

  it('measures a unit carrying two trackers by the longer of their tracks, not by the zigzag between them', async (t) => {
    const { server, deqing } = await tricounty(t);
    const commander = await server.login('commander');
    const phone = 'yy-phone-7';
    const registered = await api(server, commander.token, 'POST', '/api/devices', {
      id: phone,
      stationId: DEQING,
      unitId: CAR.unitId,
    });
    expect(registered.status).toBe(201);
    // The car drives 60 m east in 20 m steps; the officer's phone rides 40 m to its north, and
    // the two report in turn a second apart (no hop between them fast enough to pass as a glitch).
    // After the rosters were filled: a unit's fixes count only while it is on its roster.
    const start = Date.now();
    await pause(start + 7_500 - Date.now());
    for (let i = 0; i < 4; i++) {
      await send(server, CAR.deviceId, [{ time: start + i * 2_000, at: offset(i * 20, 0) }]);
      await send(server, phone, [{ time: start + i * 2_000 + 1_000, at: offset(i * 20, 40) }]);
    }

    const res = await api<OperationReport>(server, deqing.token, 'GET', `/api/operations/${DEMO_OP}/report`);
    expect(res.status).toBe(200);
    const carRow = res.body.units.find((u) => u.stationId === DEQING && u.unitId === CAR.unitId)!;
    expect(carRow.fixes).toBe(8);
    // Each tracker went 60 m; the line through all eight fixes in time order would be ~294 m.
    expect(carRow.distanceM).toBeGreaterThanOrEqual(59);
    expect(carRow.distanceM).toBeLessThanOrEqual(61);
  });

  it('tells a cancelled task from one its target resolved, and gives each the time it ended', async (t) => {
    const { server, linping, deqing, tongxiang } = await tricounty(t);
    const cancelled = raise(linping, missingPersonTask(newTaskId(), { title: '撤销的协查' }));
    const resolved = raise(linping, missingPersonTask(newTaskId(), { title: '德清办结的协查' }));
    const going = raise(linping, missingPersonTask(newTaskId(), { title: '仍在进行的协查' }));
    await eventually(() => [cancelled, resolved, going].every((x) => deqing.task(LINPING, x.id) !== undefined));
    await pause(200);

    const cancelFrom = Date.now();
    raise(linping, { ...cancelled, state: 'cancelled', updatedAt: Date.now() });
    await eventually(() => deqing.task(LINPING, cancelled.id)?.state === 'cancelled');
    const cancelTo = Date.now();
    answer(deqing, going, 'accepted');
    answer(tongxiang, resolved, 'declined');
    await pause(200);
    const resolveFrom = Date.now();
    answer(deqing, resolved, 'resolved', { note: '已找到' });
    await eventually(() => linping.status(LINPING, resolved.id) === 'resolved');
    const resolveTo = Date.now();
    await eventually(() => linping.status(LINPING, going.id) === 'accepted');

    const res = await api<OperationReport>(server, linping.token, 'GET', `/api/operations/${DEMO_OP}/report`);
    expect(res.status).toBe(200);
    const row = (id: string) => res.body.tasks.find((x) => x.id === id)!;
    expect(row(cancelled.id)).toMatchObject({ status: 'cancelled', finalState: 'cancelled' });
    expect(row(cancelled.id).endedAt).toBeGreaterThanOrEqual(cancelFrom);
    expect(row(cancelled.id).endedAt).toBeLessThanOrEqual(cancelTo);
    // Resolved by 德清 (办结) while 临平's record still says open: ended all the same.
    expect(row(resolved.id)).toMatchObject({ status: 'resolved', finalState: 'open' });
    expect(row(resolved.id).endedAt).toBeGreaterThanOrEqual(resolveFrom);
    expect(row(resolved.id).endedAt).toBeLessThanOrEqual(resolveTo);
    expect(row(going.id)).toMatchObject({ status: 'accepted', finalState: 'open', endedAt: null });
  });
});

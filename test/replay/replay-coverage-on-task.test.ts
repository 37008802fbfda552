import { expect, it } from 'vitest';
import { COMMAND_SCOPE, computeCoverage, lngLat, type CoverageMessage, type Unit } from '@jointmap/shared';
import { fixAt } from '../api/archive-helpers.ts';
import { newTaskId, openConsoles } from '../helpers/op-console.ts';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { eventually } from '../helpers/sync-client.ts';
import { DEQING, squareSectorSearch } from '../helpers/tasks.ts';
import { api } from '../live/live-helpers.ts';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CAR = 'sweep-car';

it("replayed coverage counts a sector unit's fixes only while its roster had it on the search's task, also after the roster changed since the last replayed moment", async (t) => {
  const server = await startServer(t);
  const [boss, deqing] = await openConsoles(t, server, ['commander', 'deqing']);
  const taskId = newTaskId();
  const { search, sector, change } = squareSectorSearch({
    taskId,
    commanderId: boss!.user.id,
    sw: [120.3, 30.5],
    ne: [120.31, 30.509],
    stationId: DEQING,
    sweepWidthM: 100,
    now: Date.now() - 60_000,
  });
  const unit = (assignedTaskId: string | null): Unit => ({
    ...{ id: CAR, callsign: '禹越巡99', kind: 'car', stationId: DEQING, members: [], deviceIds: [] },
    ...{ status: 'en_route', assignedTaskId, updatedAt: Date.now() },
  });
  const roster = async (taskOf: string) => {
    deqing!.write(DEQING, { type: 'put', map: 'units', key: CAR, value: unit(taskOf) });
    await eventually(() => deqing!.doc(DEQING).getMap<Unit>('units').get(CAR)?.assignedTaskId === taskOf);
    // Stored once the commander's console sees it through the server.
    await eventually(() => boss!.doc(DEQING).getMap<Unit>('units').get(CAR)?.assignedTaskId === taskOf);
  };

  // 禹越巡99 is on the search's task and named by its sector.
  await roster(taskId);
  boss!.write(COMMAND_SCOPE, change);
  boss!.write(COMMAND_SCOPE, {
    type: 'put',
    map: 'sectors',
    key: sector.id,
    value: { ...sector, assignedStationId: DEQING, assignedUnitIds: [CAR], assignedAt: search.createdAt },
  });
  await eventually(() => boss!.doc(COMMAND_SCOPE).getMap('sectors').size === 1);
  const onTaskFrom = Date.now();
  await pause(1_500);
  // Its station sends it to another task; it drives on through the sector on its way.
  const switchedFrom = Date.now();
  await roster('task-elsewhere');
  const elsewhereFrom = Date.now();
  await pause(50);

  const fix = (time: number, i: number) => ({ ...fixAt(DEQING, CAR, time), lng: 120.2995 + i * 0.001, lat: 30.5045 });
  const onTask = Array.from({ length: 6 }, (_, i) => fix(onTaskFrom + 100 + i * 200, i));
  const elsewhere = Array.from({ length: 6 }, (_, i) => fix(elsewhereFrom + 100 + i * 100, 6 + i));
  expect(onTask.at(-1)!.time).toBeLessThan(switchedFrom);
  await server.ctx.storage.appendPositions([...onTask, ...elsewhere]);

  const fractionAt = async (at: number) => {
    await pause(Math.max(0, at - Date.now() + 50));
    const res = await api<CoverageMessage>(
      server,
      boss!.token,
      'GET',
      `/api/operations/${DEMO_OP}/replay/coverage?at=${at}`,
    );
    expect(res.status).toBe(200);
    return res.body.sectors.find((s) => s.sectorId === sector.id)!.fraction;
  };
  const fraction = await fractionAt(elsewhereFrom + 2_000);

  const cover = (fixes: typeof onTask) =>
    computeCoverage(
      [{ id: sector.id, polygon: sector.polygon, sweepWidthM: sector.sweepWidthM, accepts: () => true }],
      fixes.map((f) => ({ unitId: f.unitId, stationId: f.stationId, lngLat: lngLat(f.lng, f.lat), time: f.time })),
    ).get(sector.id)!;
  // Its drive elsewhere would have added to the sweep; only its fixes on the task count.
  expect(cover([...onTask, ...elsewhere])).toBeGreaterThan(cover(onTask));
  expect(fraction).toBeCloseTo(cover(onTask), 9);

  // Back on the search's task (the roster grew since the last replayed moment): it sweeps again.
  await roster(taskId);
  const backFrom = Date.now();
  const back = Array.from({ length: 6 }, (_, i) => ({ ...fix(backFrom + 100 + i * 100, i), lat: 30.507 }));
  await server.ctx.storage.appendPositions(back);
  const again = await fractionAt(backFrom + 2_000);
  expect(cover([...onTask, ...back])).toBeGreaterThan(cover(onTask));
  expect(again).toBeCloseTo(cover([...onTask, ...back]), 9);
});

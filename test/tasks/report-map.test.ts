import { describe, expect, it } from 'vitest';
import type { OperationReport, ReportMapData, Unit } from '@jointmap/shared';
import { CAR, FOOT, offset, send } from '../alerts/alert-helpers.ts';
import { DEMO_OP } from '../helpers/server.ts';
import { newTaskId } from '../helpers/op-console.ts';
import { eventually } from '../helpers/sync-client.ts';
import { DEQING, LINPING, TONGXIANG, missingPersonTask, raise, tricounty } from '../helpers/tasks.ts';
import { api } from '../live/live-helpers.ts';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Coordinates to 1e-7° (about 1 cm), as compared. */
const round = (line: number[][]) => line.map((p) => p.map((x) => Math.round(x * 1e7) / 1e7));

describe('the report map', () => {
  it('draws each unit’s track in the window simplified to the page, the task locations and the stations’ jurisdictions, framed on what happened', async (t) => {
    const { server, linping, deqing } = await tricounty(t);
    const task = raise(linping, missingPersonTask(newTaskId(), { title: '走失老人协查（地图）' }));
    await eventually(() => deqing.task(LINPING, task.id) !== undefined);
    // East along the parallel in three steps, then north: Douglas–Peucker keeps the corners only.
    // After the rosters were filled: a unit's fixes count only while it is on its roster.
    const start = Date.now();
    await pause(start + 600 - Date.now());
    await send(server, CAR.deviceId, [
      { time: start, at: [120.3, 30.5] },
      { time: start + 100, at: [120.301, 30.5] },
      { time: start + 200, at: [120.302, 30.5] },
      { time: start + 300, at: [120.302, 30.501] },
      { time: start + 400, at: [120.302, 30.502] },
    ]);

    const res = await api<ReportMapData>(server, deqing.token, 'GET', `/api/operations/${DEMO_OP}/report/map`);
    expect(res.status).toBe(200);
    const map = res.body;
    const car = map.tracks.find((x) => x.stationId === DEQING && x.unitId === CAR.unitId)!;
    expect(car.coordinates).toEqual([
      [120.3, 30.5],
      [120.302, 30.5],
      [120.302, 30.502],
    ]);
    expect(car.callsign.length).toBeGreaterThan(0);
    expect(car.color).toMatch(/^#[0-9a-f]{6}$/i);
    expect(map.tasks.find((x) => x.id === task.id)).toEqual({
      id: task.id,
      stationId: LINPING,
      title: '走失老人协查（地图）',
      state: 'open',
      point: [120.2954, 30.5222],
    });
    // The frame holds the track and the task (and not the three counties' whole extent).
    const [w, s, e, n] = map.bbox!;
    for (const [x, y] of [...car.coordinates, [120.2954, 30.5222]]) {
      expect(x).toBeGreaterThanOrEqual(w);
      expect(x).toBeLessThanOrEqual(e);
      expect(y).toBeGreaterThanOrEqual(s);
      expect(y).toBeLessThanOrEqual(n);
    }
    expect(e - w).toBeLessThan(0.5);
    expect(map.jurisdictions.map((j) => j.stationId).sort()).toEqual([DEQING, LINPING, TONGXIANG].sort());
    for (const j of map.jurisdictions) expect(['Polygon', 'MultiPolygon']).toContain(j.geometry.type);
  });

  it('draws a line per tracker of a unit carrying two, not one line zigzagging between them', async (t) => {
    const { server, deqing } = await tricounty(t);
    const commander = await server.login('commander');
    const phone = 'yy-phone-7';
    expect(
      (await api(server, commander.token, 'POST', '/api/devices', { id: phone, stationId: DEQING, unitId: CAR.unitId }))
        .status,
    ).toBe(201);
    // After the rosters were filled: a unit's fixes count only while it is on its roster.
    const start = Date.now();
    await pause(start + 600 - Date.now());
    // The car's tracker goes east, the phone (set down 40 m north) goes north, reporting in turn.
    const car = [offset(0, 0), offset(20, 0), offset(40, 0)];
    const phoneLine = [offset(0, 40), offset(0, 60), offset(0, 80)];
    for (let i = 0; i < 3; i++) {
      await send(server, CAR.deviceId, [{ time: start + i * 200, at: car[i]! }]);
      await send(server, phone, [{ time: start + i * 200 + 100, at: phoneLine[i]! }]);
    }

    const res = await api<ReportMapData>(server, deqing.token, 'GET', `/api/operations/${DEMO_OP}/report/map`);
    expect(res.status).toBe(200);
    const callsign = deqing.doc(DEQING).getMap<Unit>('units').get(CAR.unitId)!.callsign;
    expect(
      res.body.tracks
        .filter((x) => x.stationId === DEQING && x.unitId === CAR.unitId)
        .map((x) => ({ deviceId: x.deviceId, callsign: x.callsign, coordinates: round(x.coordinates) })),
    ).toEqual([
      { deviceId: CAR.deviceId, callsign, coordinates: round([car[0]!, car[2]!]) },
      { deviceId: phone, callsign, coordinates: round([phoneLine[0]!, phoneLine[2]!]) },
    ]);
  });

  it('draws the track of a unit removed from its roster before the end, as the units table lists it', async (t) => {
    const { server, linping, deqing } = await tricounty(t);
    const callsign = deqing.doc(DEQING).getMap<Unit>('units').get(FOOT.unitId)!.callsign;
    // After the rosters were filled: a unit's fixes count only while it is on its roster.
    const start = Date.now();
    await pause(start + 600 - Date.now());
    const foot = [offset(500, 500), offset(500, 700)];
    await send(server, CAR.deviceId, [{ time: start, at: offset(0, 0) }]);
    await send(server, FOOT.deviceId, [
      { time: start, at: foot[0]! },
      { time: start + 400, at: foot[1]! },
    ]);
    // Then the foot patrol is taken off 禹越's roster.
    deqing.write(DEQING, { type: 'delete', map: 'units', key: FOOT.unitId });
    await eventually(() => !linping.doc(DEQING).getMap<Unit>('units').has(FOOT.unitId));

    const res = await api<ReportMapData>(server, deqing.token, 'GET', `/api/operations/${DEMO_OP}/report/map`);
    expect(res.status).toBe(200);
    expect(
      res.body.tracks
        .filter((x) => x.stationId === DEQING && x.unitId === FOOT.unitId)
        .map((x) => ({ deviceId: x.deviceId, callsign: x.callsign, coordinates: round(x.coordinates) })),
    ).toEqual([{ deviceId: FOOT.deviceId, callsign, coordinates: round(foot) }]);

    // The units whose tracks the map draws are the units of the report's table that have fixes.
    const report = await api<OperationReport>(server, deqing.token, 'GET', `/api/operations/${DEMO_OP}/report`);
    const key = (x: { stationId: string; unitId: string }) => `${x.stationId}/${x.unitId}`;
    expect(new Set(res.body.tracks.map(key))).toEqual(new Set(report.body.units.filter((u) => u.fixes).map(key)));
    expect(new Set(res.body.tracks.map(key))).toEqual(new Set([key(CAR), key(FOOT)]));
    expect(report.body.units.find((u) => key(u) === key(FOOT))?.callsign).toBe(callsign);
  });
});

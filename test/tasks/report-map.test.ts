import { describe, expect, it } from 'vitest';
import type { ReportMapData } from '@jointmap/shared';
import { CAR, send } from '../alerts/alert-helpers.ts';
import { DEMO_OP } from '../helpers/server.ts';
import { newTaskId } from '../helpers/op-console.ts';
import { eventually } from '../helpers/sync-client.ts';
import { DEQING, LINPING, TONGXIANG, missingPersonTask, raise, tricounty } from '../helpers/tasks.ts';
import { api } from '../live/live-helpers.ts';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the report map', () => {
  it('draws each unit’s track in the window simplified to the page, the task locations and the stations’ jurisdictions, framed on what happened', async (t) => {
    const { server, linping, deqing } = await tricounty(t);
    const task = raise(linping, missingPersonTask(newTaskId(), { title: '走失老人协查（地图）' }));
    await eventually(() => deqing.task(LINPING, task.id) !== undefined);
    // East along the parallel in three steps, then north: Douglas–Peucker keeps the corners only.
    const start = (await server.ctx.storage.getOperation(DEMO_OP))!.createdAt + 1;
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
});

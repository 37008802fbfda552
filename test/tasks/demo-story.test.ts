import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import {
  COMMAND_SCOPE,
  deriveTaskStatus,
  distanceToJurisdictionM,
  docName,
  readMap,
  type Annotation,
  type Search,
  type Sector,
  type Task,
  type TaskResponse,
  type Unit,
} from '@jointmap/shared';
import { DEMO_UNITS } from '@jointmap/server/seed/demo-units';
import { DEMO_OP, startServer, type TestServer } from '../helpers/server.ts';
import { connectClient, eventually, type SyncClient } from '../helpers/sync-client.ts';
import { DEQING, LINPING, TONGXIANG } from '../helpers/tasks.ts';

/** The four units the story dispatches (禹越巡01, 禹越步巡02, 无人机01, 洲泉巡01). */
const DISPATCHED = ['drone-01', 'yuyue-car-01', 'yuyue-foot-02', 'zhouquan-car-01'];

/** Every state a record went through, replayed update by update from the server's update log, with its author. */
async function history<T>(server: TestServer, scope: string, map: string) {
  const doc = new Y.Doc();
  const out: Array<{ key: string; value: T | undefined; userId: string | null; sessionId: string | null }> = [];
  for (const u of await server.ctx.storage.readUpdateLog(docName(DEMO_OP, scope))) {
    const before = readMap<T>(doc, map);
    Y.applyUpdate(doc, u.update);
    for (const [key, value] of readMap<T>(doc, map)) {
      if (JSON.stringify(before.get(key)) !== JSON.stringify(value))
        out.push({ key, value, userId: u.userId, sessionId: u.sessionId });
    }
  }
  return out;
}

describe('the alive demo', () => {
  test('with SIMULATE on, the server plays the tri-county story by itself and its units report through the ingest', async (t) => {
    // The ~4-minute story compressed to ~20 s.
    const server = await startServer(t, { simulate: true, demoTimeScale: 0.08 });
    const { token } = await server.login('wall');
    const scopes = [COMMAND_SCOPE, LINPING, DEQING, TONGXIANG] as const;
    const clients = new Map<string, SyncClient>();
    for (const s of scopes) clients.set(s, await connectClient(t, server.wsUrl, `${DEMO_OP}/${s}`, token));
    const records = <T>(scope: string, map: string) => [...clients.get(scope)!.doc.getMap<T>(map).values()];
    const units = () => [...records<Unit>(DEQING, 'units'), ...records<Unit>(TONGXIANG, 'units')];

    // The end of the story as the wall display's stock y-websocket clients see it.
    await eventually(
      () =>
        records<Task>(LINPING, 'tasks')[0]?.state === 'closed' &&
        records<Search>(COMMAND_SCOPE, 'searches')[0]?.status === 'found' &&
        DISPATCHED.every((id) => units().find((u) => u.id === id)?.status === 'available'),
      50_000,
      'the story to end',
    );

    const tasks = records<Task>(LINPING, 'tasks');
    expect(tasks.length).toBe(1);
    const task = tasks[0]!;
    expect([task.stationId, task.createdBy, task.title, task.priority, task.state]).toEqual([
      LINPING,
      'u-linping',
      '走失老人：近80岁男子，骑蓝色三轮车',
      'high',
      'closed',
    ]);
    expect(task.location).toEqual({ type: 'Point', coordinates: [120.2954, 30.5222] });
    expect([...task.targetStations].sort()).toEqual([DEQING, TONGXIANG]);

    const answerOf = (scope: string) =>
      records<TaskResponse>(scope, 'responses').find((r) => r.taskId === task.id && r.taskStationId === LINPING);
    const yuyue = answerOf(DEQING)!;
    const zhouquan = answerOf(TONGXIANG)!;
    expect([yuyue.stationId, yuyue.status, yuyue.updatedBy]).toEqual([DEQING, 'resolved', 'u-deqing']);
    expect([zhouquan.stationId, zhouquan.status, zhouquan.updatedBy]).toEqual([TONGXIANG, 'accepted', 'u-tongxiang']);
    expect(deriveTaskStatus(task, [yuyue, zhouquan])).toBe('resolved');

    const searches = records<Search>(COMMAND_SCOPE, 'searches');
    expect(searches.map((s) => [s.taskId, s.taskStationId, s.status, s.found?.unitId, s.found?.stationId])).toEqual([
      [task.id, LINPING, 'found', 'yuyue-foot-02', DEQING],
    ]);
    const search = searches[0]!;
    const sectors = records<Sector>(COMMAND_SCOPE, 'sectors').filter((s) => s.searchId === search.id);
    expect(sectors.length).toBeGreaterThan(4);
    expect(sectors.every((s) => s.taskId === task.id && s.sweepWidthM === 100)).toBe(true);
    expect(sectors.flatMap((s) => s.assignedUnitIds).sort()).toEqual(DISPATCHED);

    const markers = [...records<Annotation>(DEQING, 'annotations')].filter((a) => a.symbol);
    expect(markers.map((m) => [m.symbol, m.kind, m.label, m.author]).sort()).toEqual([
      ['clue', 'point', '目击：蓝色三轮车往禹越方向', 'u-deqing'],
      ['found', 'point', '已找到：老人安全', 'u-deqing'],
    ]);
    expect(markers.find((m) => m.symbol === 'found')!.geometry).toEqual(search.found!.location);

    // Who did what, from the update log (what the task timeline is read from).
    const answers = (await history<TaskResponse>(server, DEQING, 'responses')).map((h) => [h.value?.status, h.userId]);
    expect(answers).toEqual([
      ['acknowledged', 'u-deqing'],
      ['accepted', 'u-deqing'],
      ['on_scene', 'u-deqing'],
      ['resolved', 'u-deqing'],
    ]);
    const everyUnitChange = [
      ...(await history<Unit>(server, DEQING, 'units')),
      ...(await history<Unit>(server, TONGXIANG, 'units')),
    ];
    const unitHistory = everyUnitChange.filter((h) => h.sessionId === 'demo-story');
    const dispatched = unitHistory.filter((h) => h.value?.status === 'en_route');
    expect(dispatched.map((h) => [h.key, h.value?.assignedTaskId, h.userId]).sort()).toEqual(
      DISPATCHED.map((id) => [id, task.id, 'u-commander']),
    );
    // Released when the task ended: 禹越's own units by 德清 with its 办结, 洲泉's by the server
    // (no user), as no console of 桐乡 is open.
    const released = DISPATCHED.map((id) => {
      const sent = everyUnitChange.findIndex((h) => h.key === id && h.value?.status === 'en_route');
      return everyUnitChange.slice(sent).find((h) => h.key === id && h.value?.assignedTaskId === null)!;
    });
    expect(released.map((h) => [h.key, h.value?.status, h.userId])).toEqual([
      ['drone-01', 'available', 'u-deqing'],
      ['yuyue-car-01', 'available', 'u-deqing'],
      ['yuyue-foot-02', 'available', 'u-deqing'],
      ['zhouquan-car-01', 'available', null],
    ]);

    // The positions came through the HTTP ingest: every demo unit has a stored track.
    const commander = await server.login('commander');
    const tracks = new Map<string, { times: number[]; coordinates: [number, number][] }>();
    for (const u of DEMO_UNITS) {
      const res = await fetch(`${server.url}/api/units/${u.id}/track`, {
        headers: { authorization: `Bearer ${commander.token}` },
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        features: Array<{
          properties: { count: number; coordinateProperties: { times: number[]; deviceIds: string[] } };
          geometry: { coordinates: [number, number][] };
        }>;
      };
      const f = body.features[0]!;
      expect(f.properties.count).toBeGreaterThan(3);
      expect(new Set(f.properties.coordinateProperties.deviceIds)).toEqual(new Set([u.deviceId]));
      tracks.set(u.id, { times: f.properties.coordinateProperties.times, coordinates: f.geometry.coordinates });
    }
    const metrics = await (
      await fetch(`${server.url}/api/metrics`, { headers: { authorization: `Bearer ${commander.token}` } })
    ).text();
    expect(Number(/^jointmap_positions_accepted_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(
      DEMO_UNITS.length * 3,
    );

    // Dispatched vehicles head for their sector while assigned (or are already sweeping inside it).
    for (const id of ['yuyue-car-01', 'zhouquan-car-01', 'drone-01']) {
      const sector = sectors.find((s) => s.assignedUnitIds.includes(id))!;
      const from = dispatched.find((h) => h.key === id)!.value!.updatedAt;
      const to = released.find((h) => h.key === id)!.value!.updatedAt;
      const { times, coordinates } = tracks.get(id)!;
      const during = coordinates.filter((_, i) => times[i]! >= from + 3000 && times[i]! <= to);
      // Metres from the sector (0 inside) of every fix while assigned: the unit closed in on it by
      // more than 50 m, or stood in it (a sweep's turns lie on the edge, a few centimetres off after rounding).
      const metres = during.map((p) =>
        distanceToJurisdictionM({ stationId: sector.id, area: sector.polygon }, { type: 'Point', coordinates: p }),
      );
      const [first, last] = [metres[0]!, metres.at(-1)!];
      expect({ id, reached: Math.min(...metres) < 1 || first - last > 50 }).toEqual({ id, reached: true });
    }
  });
});

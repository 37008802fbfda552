import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  createJurisdictionLookup,
  defaultTargetStations,
  lngLat,
  type DispatchSettings,
  type Jurisdiction,
} from '@jointmap/shared';
import { expectOnEvery, newTaskId, openConsoles } from '../helpers/op-console.ts';
import { DEMO_OP, startServer, type TestServer } from '../helpers/server.ts';
import { DEQING, LINPING, missingPersonTask, raise, taskView, TONGXIANG } from '../helpers/tasks.ts';

/** Where 德清, 临平 and 桐乡 meet (SCENARIOS §1, WGS-84). */
const JUNCTION: [number, number] = [120.2954, 30.5222];
/**
 * About 3 km from the junction, each 2–2.7 km from the other two counties' outlines (measured
 * once on the demo outlines; the test checks which county holds each).
 */
const INSIDE: Record<string, [number, number]> = {
  [DEQING]: [120.2683, 30.5357], // north-west of the junction
  [LINPING]: [120.2981, 30.4954], // south
  [TONGXIANG]: [120.3175, 30.5413], // north-east
};
const STATIONS = [DEQING, LINPING, TONGXIANG];
const point = (c: [number, number]) => ({ type: 'Point' as const, coordinates: c });

/** The jurisdictions of the demo operation's stations, from the running server's storage. */
async function demoJurisdictions(server: TestServer): Promise<Jurisdiction[]> {
  const stations = await server.ctx.storage.listStations();
  return STATIONS.map((id) => {
    const s = stations.find((x) => x.id === id);
    if (!s?.jurisdiction) throw new Error(`no jurisdiction for ${id}`);
    return { stationId: id, area: s.jurisdiction };
  });
}

/** Every county whose outline holds the point (booleanPointInPolygon, one county at a time). */
function countiesHolding(jurisdictions: readonly Jurisdiction[], c: [number, number]): string[] {
  return jurisdictions
    .filter((j) => createJurisdictionLookup([j]).stationAt(lngLat(c[0], c[1])) === j.stationId)
    .map((j) => j.stationId);
}

async function dispatchSettings(server: TestServer, token: string): Promise<DispatchSettings> {
  const res = await fetch(`${server.url}/api/operations/${DEMO_OP}`, { headers: { authorization: `Bearer ${token}` } });
  return ((await res.json()) as { dispatch: DispatchSettings }).dispatch;
}

describe('default target stations on the real demo jurisdictions', () => {
  let server: TestServer;
  let jurisdictions: Jurisdiction[];
  beforeAll(async () => {
    server = await startServer(null);
    jurisdictions = await demoJurisdictions(server);
  });
  afterAll(async () => {
    await server.close();
    rmSync(server.dataDir, { recursive: true, force: true });
  });

  test('the chosen points lie in the counties they are named for, the junction in exactly one', async () => {
    for (const id of STATIONS)
      expect({ id, holders: countiesHolding(jurisdictions, INSIDE[id]!) }).toEqual({ id, holders: [id] });
    // The demo outlines meet within metres of the published junction; it falls inside 桐乡's.
    expect(countiesHolding(jurisdictions, JUNCTION)).toEqual([TONGXIANG]);
  });

  test('at the junction with the default radius all three stations are targeted, minus the raiser', async () => {
    const { targetRadiusM } = await dispatchSettings(server, (await server.login('linping')).token);
    expect(targetRadiusM).toBe(server.ctx.config.taskTargetRadiusM);
    const at = point(JUNCTION);
    // The county holding the point first; the others, whose outlines pass within 2 m, after it.
    expect(defaultTargetStations(jurisdictions, at, targetRadiusM, LINPING)).toEqual([TONGXIANG, DEQING]);
    expect(defaultTargetStations(jurisdictions, at, targetRadiusM, DEQING)).toEqual([TONGXIANG, LINPING]);
    const byTongxiang = defaultTargetStations(jurisdictions, at, targetRadiusM, TONGXIANG);
    expect([...byTongxiang].sort()).toEqual([DEQING, LINPING]);
    const byCommander = defaultTargetStations(jurisdictions, at, targetRadiusM, null);
    expect([byCommander[0], [...byCommander.slice(1)].sort()]).toEqual([TONGXIANG, [DEQING, LINPING]]);
  });

  test('2–3 km inside a county: the default radius reaches the neighbours, a small radius only that county', async () => {
    const { targetRadiusM } = await dispatchSettings(server, (await server.login('commander')).token);
    expect(targetRadiusM).toBeGreaterThanOrEqual(3000);
    // Default radius: the county holding the point first, then the other station that did not raise it.
    expect(defaultTargetStations(jurisdictions, point(INSIDE[DEQING]!), targetRadiusM, LINPING)).toEqual([
      DEQING,
      TONGXIANG,
    ]);
    expect(defaultTargetStations(jurisdictions, point(INSIDE[LINPING]!), targetRadiusM, DEQING)).toEqual([
      LINPING,
      TONGXIANG,
    ]);
    expect(defaultTargetStations(jurisdictions, point(INSIDE[TONGXIANG]!), targetRadiusM, LINPING)).toEqual([
      TONGXIANG,
      DEQING,
    ]);
    // A small radius: only the county that holds the point, whoever raises it …
    for (const id of STATIONS) {
      const others = STATIONS.filter((s) => s !== id);
      for (const raiser of [null, ...others])
        expect({ id, raiser, targets: defaultTargetStations(jurisdictions, point(INSIDE[id]!), 1000, raiser) }).toEqual(
          { id, raiser, targets: [id] },
        );
      // … and nobody when that county raises it itself.
      expect(defaultTargetStations(jurisdictions, point(INSIDE[id]!), 1000, id)).toEqual([]);
    }
  });

  test('a task 临平 raises at the junction with its default targets is accepted and every console sees it', async (t) => {
    const consoles = await openConsoles(t, server, ['linping', 'deqing', 'tongxiang', 'wall']);
    const { targetRadiusM } = await dispatchSettings(server, consoles[0]!.token);
    const targets = defaultTargetStations(jurisdictions, point(JUNCTION), targetRadiusM, LINPING);
    const task = raise(
      consoles[0]!,
      missingPersonTask(newTaskId(), { location: point(JUNCTION), targetStations: targets }),
    );
    await expectOnEvery(
      consoles,
      taskView(task),
      { task, responses: { [TONGXIANG]: null, [DEQING]: null }, status: 'open' },
      'raised',
    );
    expect(consoles.flatMap((c) => c.rejections())).toEqual([]);
  });
});

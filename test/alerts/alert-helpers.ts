import { expect } from 'vitest';
import { applyChange, docName, scopeKind, type Alert, type AlertKind, type AlertsMessage } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import type { Config } from '@jointmap/server/config';
import { DEMO_OP, startServer, type Teardown, type TestServer } from '../helpers/server.ts';
import { connected, connectViewer, traccarQuery, type LiveViewer } from '../live/live-helpers.ts';

/** Demo trackers and their units (seed/demo-units). */
export const CAR = { deviceId: 'demo-yuyue-01', unitId: 'yuyue-car-01', stationId: 'deqing-yuyue' } as const;
export const YUNHE_CAR = { deviceId: 'demo-yunhe-01', unitId: 'yunhe-car-01', stationId: 'linping-yunhe' } as const;
export const FOOT = { deviceId: 'demo-yuyue-02', unitId: 'yuyue-foot-02', stationId: 'deqing-yuyue' } as const;

/** Where the test tracks run (WGS-84), between 禹越 and the canal. */
export const ORIGIN: [number, number] = [120.3, 30.5];

const M_PER_DEG_LAT = 110_574;
const mPerDegLng = (lat: number) => 111_320 * Math.cos((lat * Math.PI) / 180);

/** The point `east` and `north` metres from `from`. */
export function offset(east: number, north: number, from: [number, number] = ORIGIN): [number, number] {
  return [from[0] + east / mPerDegLng(from[1]), from[1] + north / M_PER_DEG_LAT];
}

/** A square polygon of half-side `halfM` metres centred on `centre`. */
export function square(halfM: number, centre: [number, number] = ORIGIN) {
  const c = [
    offset(-halfM, -halfM, centre),
    offset(halfM, -halfM, centre),
    offset(halfM, halfM, centre),
    offset(-halfM, halfM, centre),
  ];
  return { type: 'Polygon' as const, coordinates: [[...c, c[0]!]] };
}

/** A real server for alert tests: the demo seeded, ingest limits out of the way, no signal timer unless asked. */
export function startAlertServer(t: Teardown, overrides: Partial<Config> = {}): Promise<TestServer> {
  return startServer(t, {
    ingestRatePerSecond: 10_000,
    ingestRateBurst: 10_000,
    alertCheckMs: 3600_000,
    ...overrides,
  });
}

type RuleBody = Record<string, unknown> & { id: string; type: string };

/** Common fields of a rule record; `scope` is `command` or the station whose document holds it. */
export function rule(scope: string, body: RuleBody): Record<string, unknown> {
  return { ...fixtures.ruleCommon(body.id, { stationId: scope }), ...body };
}

/** Write rule records into a document (as the server, validated like any write) and wait until the engine follows them. */
export async function putRules(
  server: TestServer,
  scope: string,
  rules: Array<Record<string, unknown>>,
): Promise<void> {
  const room = await server.ctx.rooms.get(docName(DEMO_OP, scope));
  const kind = scopeKind(scope);
  const changes = rules.map((value) => ({ type: 'put' as const, map: 'rules', key: value.id as string, value }));
  await room.serverChange((doc) =>
    applyChange(doc, kind, { type: 'batch', changes }, { source: 'server' }, kind === 'station' ? scope : undefined),
  );
  await server.alerts.whenIdle();
}

export async function deleteRule(server: TestServer, scope: string, id: string): Promise<void> {
  const room = await server.ctx.rooms.get(docName(DEMO_OP, scope));
  const kind = scopeKind(scope);
  await room.serverChange((doc) =>
    applyChange(doc, kind, { type: 'delete', map: 'rules', key: id }, { source: 'server' }),
  );
  await server.alerts.whenIdle();
}

export interface Fix {
  time: number;
  at: [number, number];
  speedKmh?: number;
  alarm?: string;
}

/** Send fixes one by one through the OsmAnd ingest (as Traccar Client does); each must be accepted. */
export async function send(server: TestServer, deviceId: string, fixes: readonly Fix[]): Promise<void> {
  for (const f of fixes) {
    const params: Record<string, string | number> = {
      id: deviceId,
      lat: f.at[1],
      lon: f.at[0],
      timestamp: new Date(f.time).toISOString(),
      speed: f.speedKmh === undefined ? 0 : f.speedKmh / 1.852,
    };
    if (f.alarm) params.alarm = f.alarm;
    const res = await traccarQuery(server.url, params);
    expect(res.status, await res.text()).toBe(200);
  }
  await server.alerts.whenIdle();
}

/** A track: one fix every `stepS` seconds from `start`, at the points given. */
export function track(start: number, stepS: number, points: ReadonlyArray<[number, number]>, speedKmh = 30): Fix[] {
  return points.map((at, i) => ({ time: start + i * stepS * 1000, at, speedKmh }));
}

/** Points from `a` to `b` (metres east/north of ORIGIN), `n` steps, both ends included. */
export function line(a: [number, number], b: [number, number], n: number): Array<[number, number]> {
  return Array.from({ length: n + 1 }, (_, i) =>
    offset(a[0] + ((b[0] - a[0]) * i) / n, a[1] + ((b[1] - a[1]) * i) / n),
  );
}

/** Every alert of the demo operation, oldest first, as stored. */
export async function storedAlerts(server: TestServer): Promise<Alert[]> {
  await server.alerts.whenIdle();
  return (await server.ctx.storage.listAlerts(DEMO_OP, { limit: 1000 })).reverse();
}

/** Kinds of alerts with their unit and rule, oldest first, for exact comparisons. */
export async function summary(server: TestServer): Promise<string[]> {
  return (await storedAlerts(server)).map((a) => `${a.kind} ${a.unitId} ${a.ruleId ?? '-'}`);
}

/** A socket.io viewer that also records `live:alerts` messages. */
export async function alertViewer(t: Teardown, server: TestServer, username: string) {
  const viewer: LiveViewer & { alerts: AlertsMessage[] } = Object.assign(
    connectViewer(t, server.url, { token: (await server.login(username)).token, operationId: DEMO_OP }),
    { alerts: [] as AlertsMessage[] },
  );
  viewer.socket.on('live:alerts', (m) => viewer.alerts.push(m));
  await connected(viewer.socket);
  return viewer;
}

export const kinds = (alerts: readonly Alert[]): AlertKind[] => alerts.map((a) => a.kind);

import { io, type Socket } from 'socket.io-client';
import {
  mergeNewest,
  PROTOCOL_VERSION,
  type ClientToServerEvents,
  type JoinAck,
  type LiveConnectErrorData,
  type LiveErrorMessage,
  type PositionsMessage,
  type ServerToClientEvents,
  type SnapshotMessage,
  type UnitPosition,
} from '@jointmap/shared';
import { DEMO_OP, type LoginResult, type Teardown, type TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/sync-client.ts';

export type LiveClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A socket.io viewer that records everything it receives. */
export interface LiveViewer {
  socket: LiveClientSocket;
  snapshots: SnapshotMessage[];
  batches: PositionsMessage[];
  errors: LiveErrorMessage[];
  /** Every position received in batches, in order. */
  received(): UnitPosition[];
  /** Latest position per unit (`unitKey(stationId, unitId)`) from snapshots and batches (newest fix wins). */
  latest: Map<string, UnitPosition>;
  join(operationId: string): Promise<JoinAck>;
  close(): void;
}

export function connectViewer(
  t: Teardown,
  url: string,
  auth: { token: string; operationId?: string; protocolVersion?: number },
  options: { reconnection?: boolean; transports?: Array<'websocket' | 'polling'> } = {},
): LiveViewer {
  const socket: LiveClientSocket = io(url, {
    auth: { protocolVersion: PROTOCOL_VERSION, ...auth },
    transports: options.transports ?? ['websocket'],
    reconnection: options.reconnection ?? true,
    reconnectionDelay: 50,
    reconnectionDelayMax: 200,
    forceNew: true,
  });
  const viewer: LiveViewer = {
    socket,
    snapshots: [],
    batches: [],
    errors: [],
    latest: new Map(),
    received: () => viewer.batches.flatMap((b) => b.positions),
    join: (operationId) => socket.timeout(5_000).emitWithAck('live:join', { operationId }),
    close: () => socket.disconnect(),
  };
  const keep = (positions: UnitPosition[]) => void mergeNewest(viewer.latest, positions);
  socket.on('live:snapshot', (m) => {
    viewer.snapshots.push(m);
    keep(m.positions);
  });
  socket.on('live:positions', (m) => {
    viewer.batches.push(m);
    keep(m.positions);
  });
  socket.on('live:error', (m) => viewer.errors.push(m));
  t.onTestFinished(() => {
    socket.disconnect();
  });
  return viewer;
}

/** Resolves on connect, rejects with the server's coded `connect_error` data. */
export function connected(socket: LiveClientSocket): Promise<void> {
  if (socket.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) =>
      reject(Object.assign(err, { data: (err as { data?: LiveConnectErrorData }).data })),
    );
  });
}

export async function connectError(socket: LiveClientSocket): Promise<LiveConnectErrorData> {
  return new Promise((resolve) =>
    socket.once('connect_error', (err) => resolve((err as unknown as { data: LiveConnectErrorData }).data)),
  );
}

export { eventually };

/** Epoch seconds, as Traccar Client sends `timestamp`. */
export const epochSeconds = (ms = Date.now()) => String(Math.floor(ms / 1000));

/** A fix the way Traccar Client (Android, 8.x) sends it: POST with the query string and no body. */
export function traccarQuery(base: string, params: Record<string, string | number>, method: 'GET' | 'POST' = 'POST') {
  const qs = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
  return fetch(`${base}/api/positions/osmand?${qs}`, { method });
}

/** A fix the way the Traccar Client SDK (10.x) sends it: an urlencoded form POST. */
export function traccarForm(base: string, params: Record<string, string | number>) {
  return fetch(`${base}/api/positions/osmand`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString(),
  });
}

/** A fix the way Traccar Client 9.x sends it: the background-geolocation JSON body. */
export function traccarJson(
  base: string,
  deviceId: string,
  fix: { time: number; lat: number; lon: number; speedMps?: number; heading?: number; battery?: number },
) {
  const body = {
    location: {
      timestamp: new Date(fix.time).toISOString(),
      coords: {
        latitude: fix.lat,
        longitude: fix.lon,
        accuracy: 5,
        speed: fix.speedMps ?? -1,
        heading: fix.heading ?? -1,
        altitude: 12,
      },
      is_moving: true,
      odometer: 120,
      event: 'motionchange',
      battery: { level: fix.battery ?? 0.79, is_charging: false },
      activity: { type: 'in_vehicle' },
      extras: {},
      _: `&id=${deviceId}&lat=${fix.lat}&lon=${fix.lon}&timestamp=${new Date(fix.time).toISOString()}&`,
    },
    device_id: deviceId,
  };
  return rawPost(base, 'application/json', JSON.stringify(body));
}

export function rawPost(base: string, contentType: string, body: string) {
  return fetch(`${base}/api/positions/osmand`, { method: 'POST', headers: { 'content-type': contentType }, body });
}

export async function api<T = unknown>(
  server: TestServer,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Everything stored for a unit (track and latest), read from the server's own storage. */
export async function stored(server: TestServer, stationId: string, unitId: string) {
  return {
    track: await server.ctx.storage.track(stationId, unitId, 0, Number.MAX_SAFE_INTEGER, 10_000),
    latest: await server.ctx.storage.latestPosition(stationId, unitId),
  };
}

/**
 * 武康: a station in no operation with the demo stations, its own operation, a unit `wk-car-1` in
 * its roster and a tracker `wk-1` registered to it (as the commander).
 */
export async function setUpWukang(server: TestServer, commanderToken: string): Promise<{ operationId: string }> {
  await server.ctx.storage.upsertStation({
    id: 'wukang',
    name: '武康派出所',
    shortName: '武康',
    adcode: null,
    color: '#777777',
    jurisdiction: null,
  });
  const op = await api<{ id: string }>(server, commanderToken, 'POST', '/api/operations', {
    name: '武康巡逻',
    kind: 'response',
    stations: ['wukang'],
  });
  if (op.status !== 201) throw new Error(`create operation: ${op.status}`);
  const unit = await api(server, commanderToken, 'POST', `/api/operations/${op.body.id}/units`, {
    id: 'wk-car-1',
    callsign: '武康巡01',
    kind: 'car',
    stationId: 'wukang',
  });
  if (unit.status !== 201) throw new Error(`create unit: ${unit.status}`);
  const device = await api(server, commanderToken, 'POST', '/api/devices', {
    id: 'wk-1',
    stationId: 'wukang',
    unitId: 'wk-car-1',
  });
  if (device.status !== 201) throw new Error(`register tracker: ${device.status}`);
  return { operationId: op.body.id };
}

/** One unit id used by two stations' rosters (see {@link setUpTwins}). */
export const TWIN = 'twin-01';

/**
 * Both 德清禹越 and 临平运河 get a unit `twin-01` in their roster (callsigns 禹越双01 / 运河双01),
 * and each registers its own tracker to it (`twin-yy`, `twin-yh`), each as its own dispatcher.
 */
export async function setUpTwins(server: TestServer): Promise<{ deqing: LoginResult; linping: LoginResult }> {
  const deqing = await server.login('deqing');
  const linping = await server.login('linping');
  const setUp = [
    [deqing, 'deqing-yuyue', '禹越双01', 'twin-yy'],
    [linping, 'linping-yunhe', '运河双01', 'twin-yh'],
  ] as const;
  for (const [login, stationId, callsign] of setUp) {
    const unit = await api(server, login.token, 'POST', `/api/operations/${DEMO_OP}/units`, {
      id: TWIN,
      callsign,
      kind: 'car',
      stationId,
    });
    if (unit.status !== 201) throw new Error(`unit ${TWIN} of ${stationId}: ${JSON.stringify(unit.body)}`);
  }
  for (const [login, stationId, , deviceId] of setUp) {
    const device = await api(server, login.token, 'POST', '/api/devices', { id: deviceId, stationId, unitId: TWIN });
    if (device.status !== 201) throw new Error(`tracker ${deviceId} of ${stationId}: ${JSON.stringify(device.body)}`);
  }
  return { deqing, linping };
}

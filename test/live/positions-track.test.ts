import { describe, expect, it } from 'vitest';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import {
  api,
  connected,
  connectViewer,
  epochSeconds,
  eventually,
  setUpWukang,
  stored,
  traccarForm,
  traccarQuery,
} from './live-helpers.ts';

interface TrackBody {
  type: string;
  features: Array<{
    geometry: { type: string; coordinates: number[] | number[][] };
    properties: { coordinateProperties: { times: number[] } };
  }>;
  properties: { count: number };
}

describe('out-of-order fixes and tracks', () => {
  it('late and out-of-order fixes are stored in the track but never move the live marker backwards', async (t) => {
    const server = await startServer(t);
    const viewer = connectViewer(t, server.url, { token: (await server.login('wall')).token, operationId: DEMO_OP });
    await connected(viewer.socket);
    const base = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const send = (dt: number, lat: number) =>
      traccarForm(server.url, { id: 'demo-yunhe-01', lat, lon: 120.28, timestamp: epochSeconds(base + dt) });

    expect((await send(30_000, 30.3)).status).toBe(200);
    await eventually(() => viewer.latest.get('linping-yunhe/yunhe-car-01')?.lngLat[1] === 30.3, 5_000, 'first fix');
    expect((await send(10_000, 30.1)).status).toBe(200); // late: taken before the previous one
    expect((await send(20_000, 30.2)).status).toBe(200);
    expect((await send(30_000, 30.3)).status).toBe(200); // the same fix again (a buffering app retrying)
    expect((await send(40_000, 30.4)).status).toBe(200); // newer: moves the marker
    await eventually(() => viewer.latest.get('linping-yunhe/yunhe-car-01')?.lngLat[1] === 30.4, 5_000, 'newest fix');

    const { track, latest } = await stored(server, 'linping-yunhe', 'yunhe-car-01');
    expect(track.map((f) => [f.time - base, f.lat])).toEqual([
      [10_000, 30.1],
      [20_000, 30.2],
      [30_000, 30.3],
      [40_000, 30.4],
    ]);
    expect(latest).toMatchObject({ time: base + 40_000, lat: 30.4 });
    // Viewers never received the late fixes.
    expect(
      viewer
        .received()
        .filter((p) => p.unitId === 'yunhe-car-01')
        .map((p) => p.lngLat[1]),
    ).toEqual([30.3, 30.4]);
    // REST agrees.
    const { token } = await server.login('linping');
    const rest = await api<{ positions: Array<{ unitId: string; time: number }> }>(
      server,
      token,
      'GET',
      `/api/operations/${DEMO_OP}/positions`,
    );
    expect(rest.body.positions.find((p) => p.unitId === 'yunhe-car-01')!.time).toBe(base + 40_000);

    // A late fix after a restart does not move the marker either (latest is persisted).
    await server.close();
    const again = await startServer(t, { dataDir: server.dataDir });
    expect(
      (
        await traccarForm(again.url, {
          id: 'demo-yunhe-01',
          lat: 30.0,
          lon: 120.28,
          timestamp: epochSeconds(base + 5_000),
        })
      ).status,
    ).toBe(200);
    const after = await api<{ positions: Array<{ unitId: string; time: number }> }>(
      again,
      (await again.login('linping')).token,
      'GET',
      `/api/operations/${DEMO_OP}/positions`,
    );
    expect(after.body.positions.find((p) => p.unitId === 'yunhe-car-01')!.time).toBe(base + 40_000);
    expect((await stored(again, 'linping-yunhe', 'yunhe-car-01')).track).toHaveLength(5);
  });

  it('GET /api/units/:id/track returns the fixes in a time window as GeoJSON', async (t) => {
    const server = await startServer(t);
    const base = Math.floor(Date.now() / 1000) * 1000 - 10 * 60_000;
    for (let i = 0; i < 6; i++) {
      const res = await traccarQuery(server.url, {
        id: 'demo-yuyue-02',
        lat: 30.5 + i / 1000,
        lon: 120.3,
        timestamp: epochSeconds(base + i * 60_000),
      });
      expect(res.status).toBe(200);
    }
    const { token } = await server.login('deqing');
    const q = (query: string) => api<TrackBody>(server, token, 'GET', `/api/units/yuyue-foot-02/track${query}`);

    const window = await q(`?from=${base + 60_000}&to=${new Date(base + 3 * 60_000).toISOString()}`);
    expect(window.status).toBe(200);
    expect(window.body.type).toBe('FeatureCollection');
    expect(window.body.properties.count).toBe(3);
    const line = window.body.features[0]!;
    expect(line.geometry).toEqual({
      type: 'LineString',
      coordinates: [
        [120.3, 30.501],
        [120.3, 30.502],
        [120.3, 30.503],
      ],
    });
    expect(line.properties.coordinateProperties.times).toEqual([base + 60_000, base + 120_000, base + 180_000]);
    // Read as ingest reads a tracker's time: epoch seconds too, and an ISO time without a zone in
    // UTC, also on a server whose own zone is China's.
    const seconds = await q(`?from=${(base + 60_000) / 1000}&to=${(base + 180_000) / 1000}`);
    expect(seconds.body.properties.count).toBe(3);
    const zone = process.env.TZ;
    process.env.TZ = 'Asia/Shanghai';
    try {
      const noZone = (ms: number) => new Date(ms).toISOString().slice(0, -1);
      const local = await q(`?from=${noZone(base + 60_000)}&to=${noZone(base + 180_000)}`);
      expect(local.body.properties).toMatchObject({ count: 3, from: base + 60_000, to: base + 180_000 });
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }

    const single = await q(`?from=${base}&to=${base}`);
    expect(single.body.features[0]!.geometry).toEqual({ type: 'Point', coordinates: [120.3, 30.5] });
    expect((await q(`?from=${base - 3600_000}&to=${base - 1}`)).body.features).toEqual([]);
    // Default window: the last 15 minutes, so all six.
    expect((await q('')).body.properties.count).toBe(6);

    expect((await q(`?from=${base + 1}&to=${base}`)).status).toBe(400);
    expect((await q(`?from=0&to=${base}`)).body).toMatchObject({ error: { code: 'INVALID_PAYLOAD' } });
    expect((await q('?from=yesterday')).body).toMatchObject({ error: { code: 'INVALID_PAYLOAD' } });
    expect((await api(server, token, 'GET', '/api/units/never-reported/track')).body).toMatchObject({
      error: { code: 'NOT_FOUND' },
    });
    const anonymous = await fetch(`${server.url}/api/units/yuyue-foot-02/track`);
    expect(anonymous.status).toBe(401);
  });

  it('a dispatcher sees the track of a unit only through an operation with both stations', async (t) => {
    const server = await startServer(t);
    const commander = await server.login('commander');
    // 武康: a station in no operation with the demo stations, with a unit and its tracker.
    await setUpWukang(server, commander.token);
    expect(
      (await traccarQuery(server.url, { id: 'wk-1', lat: 30.54, lon: 119.97, timestamp: epochSeconds() })).status,
    ).toBe(200);
    const linping = await server.login('linping');
    expect((await api(server, linping.token, 'GET', '/api/units/wk-car-1/track')).body).toMatchObject({
      error: { code: 'NOT_FOUND' },
    });
    expect((await api(server, commander.token, 'GET', '/api/units/wk-car-1/track')).status).toBe(200);
  });
});

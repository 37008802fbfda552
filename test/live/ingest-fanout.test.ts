import { describe, expect, it } from 'vitest';
import { DEMO_OP, startServer, type Teardown } from '../helpers/server.ts';
import {
  api,
  connected,
  connectViewer,
  epochSeconds,
  eventually,
  traccarForm,
  traccarJson,
  traccarQuery,
} from './live-helpers.ts';

const KNOT = 1852 / 3600;

/** Demo devices: demo-yuyue-01 → unit yuyue-car-01 of 德清禹越; demo-yunhe-01 → yunhe-car-01 of 临平运河. */
describe('a fix sent the way Traccar Client sends it', () => {
  async function setup(t: Teardown) {
    const server = await startServer(t);
    const commander = await server.login('commander');
    // A second operation with only 临平运河: its viewers must not see 德清禹越's units.
    const other = await api<{ id: string }>(server, commander.token, 'POST', '/api/operations', {
      name: '运河单独行动',
      kind: 'response',
      stations: ['linping-yunhe'],
    });
    expect(other.status).toBe(201);
    const demoViewer = connectViewer(t, server.url, {
      token: (await server.login('wall')).token,
      operationId: DEMO_OP,
    });
    const otherViewer = connectViewer(t, server.url, {
      token: (await server.login('linping')).token,
      operationId: other.body.id,
    });
    await Promise.all([connected(demoViewer.socket), connected(otherViewer.socket)]);
    await eventually(() => demoViewer.snapshots.length === 1 && otherViewer.snapshots.length === 1, 5_000, 'snapshots');
    return { server, demoViewer, otherViewer, otherOp: other.body.id };
  }

  /** Sends a 临平 fix as a marker: once the other viewer has it, any 德清 fix would have arrived too. */
  async function expectOnlyMarkerAtOther(
    server: { url: string },
    otherViewer: ReturnType<typeof connectViewer>,
    time: number,
  ) {
    const res = await traccarQuery(server.url, {
      id: 'demo-yunhe-01',
      lat: 30.48,
      lon: 120.28,
      timestamp: epochSeconds(time),
    });
    expect(res.status).toBe(200);
    await eventually(() => otherViewer.received().some((p) => p.unitId === 'yunhe-car-01'), 5_000, 'marker fix');
    expect(otherViewer.received().filter((p) => p.stationId !== 'linping-yunhe')).toEqual([]);
  }

  it('GET query (OsmAnd, Traccar Client): reaches the viewer of its operation, not of another operation', async (t) => {
    const { server, demoViewer, otherViewer } = await setup(t);
    const time = Date.now() - 1_000;
    const res = await traccarQuery(
      server.url,
      {
        id: 'demo-yuyue-01',
        timestamp: epochSeconds(time),
        lat: 30.5222,
        lon: 120.2954,
        speed: 20,
        bearing: 135.5,
        altitude: 8.2,
        accuracy: 6,
        batt: 87,
      },
      'GET',
    );
    expect(res.status).toBe(200);
    await eventually(
      () => demoViewer.received().some((p) => p.unitId === 'yuyue-car-01'),
      5_000,
      'fix at the demo viewer',
    );
    const p = demoViewer.received().find((x) => x.unitId === 'yuyue-car-01')!;
    expect(p).toMatchObject({
      stationId: 'deqing-yuyue',
      deviceId: 'demo-yuyue-01',
      lngLat: [120.2954, 30.5222],
      time: Math.floor(time / 1000) * 1000,
      bearing: 135.5,
      altitude: 8.2,
      accuracy: 6,
      battery: 87,
      alarm: null,
    });
    expect(p.speedMps).toBeCloseTo(20 * KNOT, 6);
    await expectOnlyMarkerAtOther(server, otherViewer, time);
  });

  it('POST with the query and no body (Traccar Client for Android 8.x)', async (t) => {
    const { server, demoViewer, otherViewer } = await setup(t);
    const res = await traccarQuery(server.url, {
      id: 'demo-yuyue-01',
      timestamp: epochSeconds(),
      lat: 30.51,
      lon: 120.3,
      speed: 0,
      bearing: 0,
      altitude: 0,
      accuracy: 0,
      batt: 55,
    });
    expect(res.status).toBe(200);
    await eventually(() => demoViewer.received().some((p) => p.unitId === 'yuyue-car-01'), 5_000, 'fix');
    // accuracy=0 is what the Android client sends for a GPS fix: unknown, not perfect.
    expect(demoViewer.received()[0]).toMatchObject({
      lngLat: [120.3, 30.51],
      accuracy: null,
      battery: 55,
      speedMps: 0,
    });
    await expectOnlyMarkerAtOther(server, otherViewer, Date.now());
  });

  it('POST form (Traccar Client SDK 10.x), including the SOS alarm', async (t) => {
    const { server, demoViewer, otherViewer } = await setup(t);
    const res = await traccarForm(server.url, {
      id: 'demo-yuyue-01',
      lat: 30.53,
      lon: 120.31,
      timestamp: epochSeconds(),
      accuracy: 4.5,
      altitude: 3.1,
      speed: 9.72,
      bearing: 270,
      batt: 64,
      charge: 'true',
      alarm: 'sos',
    });
    expect(res.status).toBe(200);
    await eventually(() => demoViewer.received().some((p) => p.unitId === 'yuyue-car-01'), 5_000, 'fix');
    const p = demoViewer.received()[0]!;
    expect(p).toMatchObject({ lngLat: [120.31, 30.53], accuracy: 4.5, bearing: 270, battery: 64, alarm: 'sos' });
    expect(p.speedMps).toBeCloseTo(9.72 * KNOT, 6);
    await expectOnlyMarkerAtOther(server, otherViewer, Date.now());
  });

  it('JSON body (Traccar Client 9.x, background-geolocation shape; speed in m/s)', async (t) => {
    const { server, demoViewer, otherViewer } = await setup(t);
    const time = Date.now() - 2_000;
    const res = await traccarJson(server.url, 'demo-yuyue-01', {
      time,
      lat: 30.52,
      lon: 120.29,
      speedMps: 18.67,
      heading: 63,
      battery: 0.79,
    });
    expect(res.status).toBe(200);
    await eventually(() => demoViewer.received().some((p) => p.unitId === 'yuyue-car-01'), 5_000, 'fix');
    expect(demoViewer.received()[0]).toMatchObject({
      time,
      lngLat: [120.29, 30.52],
      speedMps: 18.67,
      bearing: 63,
      battery: 79,
      accuracy: 5,
      altitude: 12,
    });
    await expectOnlyMarkerAtOther(server, otherViewer, Date.now());
  });

  it('heading -1 and speed -1 in JSON mean unknown', async (t) => {
    const { server, demoViewer } = await setup(t);
    const res = await traccarJson(server.url, 'demo-yuyue-02', { time: Date.now(), lat: 30.52, lon: 120.29 });
    expect(res.status).toBe(200);
    await eventually(() => demoViewer.received().some((p) => p.unitId === 'yuyue-foot-02'), 5_000, 'fix');
    expect(demoViewer.received()[0]).toMatchObject({ speedMps: null, bearing: null });
  });
});

it("a tracker whose clock runs two minutes ahead does not hold the unit's marker: the next fix moves it", async (t) => {
  const server = await startServer(t);
  const viewer = connectViewer(t, server.url, { token: (await server.login('wall')).token, operationId: DEMO_OP });
  await connected(viewer.socket);
  await eventually(() => viewer.snapshots.length === 1, 5_000, 'snapshot');
  const send = (lat: number, atMs: number) =>
    traccarForm(server.url, { id: 'demo-yuyue-01', lat, lon: 120.28, timestamp: epochSeconds(atMs) });

  expect((await send(30.5, Date.now() + 120_000)).status).toBe(200);
  await eventually(() => viewer.latest.get('deqing-yuyue/yuyue-car-01')?.lngLat[1] === 30.5, 5_000, 'the fast fix');
  expect(viewer.latest.get('deqing-yuyue/yuyue-car-01')!.time).toBeLessThanOrEqual(Date.now());
  // A correctly dated fix (whole seconds, as trackers send) a second later moves the marker.
  await new Promise((r) => setTimeout(r, 1_100));
  expect((await send(30.51, Date.now())).status).toBe(200);
  await eventually(() => viewer.latest.get('deqing-yuyue/yuyue-car-01')?.lngLat[1] === 30.51, 5_000, 'the next fix');
});

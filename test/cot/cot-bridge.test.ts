import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DEMO_OP, startServer, type TestServer } from '../helpers/server.ts';
import { pointAnnotation, polygonAnnotation } from '../helpers/records.ts';
import { connectClient } from '../helpers/sync-client.ts';
import { api, connected, connectViewer, eventually, traccarQuery } from '../live/live-helpers.ts';
import { MAX_UNIDENTIFIED_PER_ADDRESS } from '@jointmap/server/cot/cot-bridge';
import { callsignOf, connectTak, pointOf, type TakClient } from './tak-client.ts';

const TAK_UID = 'ANDROID-5f3a9c0e21b7d4aa';
const YUNHE_CAR = 'jointmap.unit.linping-yunhe.yunhe-car-01';
const OWN_UNIT = 'jointmap.unit.deqing-yuyue.yuyue-car-01';
const annotationUid = (scope: string, id: string) => `jointmap.annotation.${DEMO_OP}.${scope}.${id}`;

async function cotServer(t: Parameters<typeof startServer>[0]): Promise<{ server: TestServer; port: number }> {
  const server = await startServer(t, { cotPort: 0 });
  return { server, port: server.app.cotBridge!.address()!.port };
}

/** Register the TAK client's uid as a tracker of 禹越巡01, like any tracker id. */
async function registerTak(server: TestServer): Promise<void> {
  const { token } = await server.login('commander');
  const res = await api(server, token, 'POST', '/api/devices', {
    id: TAK_UID,
    stationId: 'deqing-yuyue',
    unitId: 'yuyue-car-01',
  });
  expect(res.status).toBe(201);
}

/** The stored track of 禹越巡01. */
const storedTrack = async (server: TestServer) => ({
  track: await server.ctx.storage.track('deqing-yuyue', 'yuyue-car-01', 0, Number.MAX_SAFE_INTEGER, 100),
});

/** A second TAK device, of 禹越步巡02. */
async function registerOther(server: TestServer): Promise<void> {
  const { token } = await server.login('commander');
  const res = await api(server, token, 'POST', '/api/devices', {
    id: 'ANDROID-control',
    stationId: 'deqing-yuyue',
    unitId: 'yuyue-foot-02',
  });
  expect(res.status).toBe(201);
}

const received = (tak: TakClient, type: string) => tak.events.filter((e) => e.raw.event._attributes.type === type);

describe('Cursor-on-Target bridge', () => {
  it('a registered TAK client feeds its unit and sees units and annotations live', async (t) => {
    const { server, port } = await cotServer(t);
    await registerTak(server);
    // Before the TAK client connects: another station's unit has a position, a station drew shapes.
    expect((await traccarQuery(server.url, { id: 'demo-yunhe-01', lat: 30.41, lon: 120.28 })).status).toBe(200);
    const { token: deqing } = await server.login('deqing');
    const editor = await connectClient(t, server.wsUrl, `${DEMO_OP}/deqing-yuyue`, deqing);
    editor.doc.getMap('annotations').set('a1', pointAnnotation('a1', '走失老人最后出现位置', 120.2954, 30.5222));
    editor.doc.getMap('annotations').set('p1', polygonAnnotation('p1', '搜索区 A', 120.28, 30.51, 0.01));
    const viewer = connectViewer(t, server.url, { token: (await server.login('wall')).token, operationId: DEMO_OP });
    await connected(viewer.socket);

    const tak = await connectTak(t, port);
    const time = Date.now() - 1_000;
    tak.sendPosition(TAK_UID, { lng: 120.301, lat: 30.521, time, speedMps: 5, course: 90 });

    // The position is a fix of the registered device's unit: stored, and live to socket.io viewers.
    await eventually(() => viewer.latest.get('deqing-yuyue/yuyue-car-01')?.lngLat[1] === 30.521, 5_000, 'live fix');
    expect(viewer.latest.get('deqing-yuyue/yuyue-car-01')).toMatchObject({
      deviceId: TAK_UID,
      lngLat: [120.301, 30.521],
      time: Date.parse(new Date(time).toISOString()),
      bearing: 90,
    });
    expect(viewer.latest.get('deqing-yuyue/yuyue-car-01')!.speedMps).toBeCloseTo(5, 6);
    const track = await api<{ features: Array<{ geometry: { coordinates: number[] } }> }>(
      server,
      deqing,
      'GET',
      '/api/units/yuyue-car-01/track',
    );
    expect(track.body.features[0]!.geometry.coordinates).toEqual([120.301, 30.521]);

    // It receives the picture: the other unit (callsign, status) and both annotations, not itself.
    await eventually(
      () => Boolean(tak.latest(YUNHE_CAR) && tak.latest(annotationUid('deqing-yuyue', 'p1'))),
      5_000,
      'picture',
    );
    const car = tak.latest(YUNHE_CAR)!;
    expect(pointOf(car)).toEqual({ lat: 30.41, lon: 120.28 });
    expect(callsignOf(car)).toBe('运河巡01');
    expect(car.raw.event._attributes.type).toBe('a-f-G-E-V-C');
    expect((car.raw.event.detail?.remarks as { _text?: string })._text).toContain('status: en_route');
    const point = tak.latest(annotationUid('deqing-yuyue', 'a1'))!;
    expect(pointOf(point)).toEqual({ lat: 30.5222, lon: 120.2954 });
    expect(callsignOf(point)).toBe('走失老人最后出现位置');
    const polygon = (await tak.latest(annotationUid('deqing-yuyue', 'p1'))!.to_geojson()) as {
      geometry: { type: string; coordinates: number[][][] };
    };
    expect(polygon.geometry).toEqual({
      type: 'Polygon',
      coordinates: polygonAnnotation('p1', '').geometry.coordinates,
    });
    expect(tak.latest(OWN_UNIT)).toBeUndefined();

    // Live: another unit's fix over the OsmAnd route moves its marker.
    expect((await traccarQuery(server.url, { id: 'demo-yunhe-01', lat: 30.43, lon: 120.29 })).status).toBe(200);
    await eventually(() => pointOf(tak.latest(YUNHE_CAR)!).lat === 30.43, 5_000, 'live position');

    // A station removes an annotation over y-websocket: the TAK client is told to delete it.
    editor.doc.getMap('annotations').delete('a1');
    await eventually(() => received(tak, 't-x-d-d').length > 0, 5_000, 'delete event');
    const deletion = received(tak, 't-x-d-d')[0]!;
    expect(deletion.uid()).toBe(annotationUid('deqing-yuyue', 'a1'));
    expect(deletion.raw.event.detail).toHaveProperty('__forcedelete');

    // A changed annotation is sent again.
    editor.doc
      .getMap('annotations')
      .set('p1', { ...polygonAnnotation('p1', '搜索区 A（扩大）'), updatedAt: 1_700_000_001_000 });
    await eventually(
      () => callsignOf(tak.latest(annotationUid('deqing-yuyue', 'p1'))!) === '搜索区 A（扩大）',
      5_000,
      'edit',
    );

    // Pings are answered.
    tak.send(tak.lib.CoT.ping());
    await eventually(() => received(tak, 't-x-c-t-r').length === 1, 5_000, 'pong');
    expect(tak.latest(OWN_UNIT)).toBeUndefined();
  });

  it('a unit lost before the TAK client connected is still drawn: stale only after it is sent, "lost since" in its remarks', async (t) => {
    const { server, port } = await cotServer(t);
    await registerTak(server);
    const hourAgo = new Date(Date.now() - 3600_000).toISOString();
    const fix = { id: 'demo-yunhe-01', lat: 30.41, lon: 120.28, timestamp: hourAgo };
    expect((await traccarQuery(server.url, fix)).status).toBe(200);
    const tak = await connectTak(t, port);
    const connectedAt = Date.now();
    tak.sendPosition(TAK_UID, { lng: 120.301, lat: 30.521 });
    await eventually(() => Boolean(tak.latest(YUNHE_CAR)), 5_000, 'picture');
    const car = tak.latest(YUNHE_CAR)!.raw.event;
    // Stale on arrival (its fix time + the lost timeout, before), TAK would drop it unseen.
    expect(car._attributes.time).toBe(hourAgo);
    expect(Date.parse(car._attributes.stale)).toBeGreaterThan(connectedAt);
    expect((car.detail?.remarks as { _text?: string })._text).toMatch(/; lost since \d{4}-\d\d-\d\d \d\d:\d\d UTC\+8$/);
  });

  it('an unregistered uid receives nothing and stores nothing', async (t) => {
    const { server, port } = await cotServer(t);
    await registerTak(server);
    expect((await traccarQuery(server.url, { id: 'demo-yunhe-01', lat: 30.41, lon: 120.28 })).status).toBe(200);
    const stranger = await connectTak(t, port);
    stranger.sendPosition('ANDROID-not-registered', { lng: 120.3, lat: 30.5 });
    stranger.send(stranger.lib.CoT.ping());
    // A registered client connected after it gets its picture: the bridge has handled the stranger.
    const known = await connectTak(t, port);
    known.sendPosition(TAK_UID, { lng: 120.301, lat: 30.521 });
    await eventually(() => Boolean(known.latest(YUNHE_CAR)), 5_000, 'registered client picture');
    stranger.sendPosition('ANDROID-not-registered', { lng: 120.31, lat: 30.51 });
    known.send(known.lib.CoT.ping());
    await eventually(() => received(known, 't-x-c-t-r').length === 1, 5_000, 'pong');

    expect(stranger.bytes).toBe(0);
    expect(stranger.isClosed()).toBe(false);
    const latest = await server.ctx.storage.latestPositions();
    expect(latest.map((f) => f.deviceId)).not.toContain('ANDROID-not-registered');
    const metric = await server.ctx.metrics.registry.getSingleMetricAsString('jointmap_cot_events_received_total');
    expect(metric).toMatch(/outcome="unregistered"} 2/);
  });

  it('one address holds at most 16 connections that have not identified; a registered client still gets in', async (t) => {
    const { server, port } = await cotServer(t);
    await registerTak(server);
    expect((await traccarQuery(server.url, { id: 'demo-yunhe-01', lat: 30.41, lon: 120.28 })).status).toBe(200);
    const silent: TakClient[] = [];
    for (let i = 0; i < MAX_UNIDENTIFIED_PER_ADDRESS; i++) silent.push(await connectTak(t, port));
    const extra = await connectTak(t, port);
    await extra.closed;
    expect(silent.filter((c) => c.isClosed())).toEqual([]);
    // One of them identifies: the room it leaves lets a registered client in.
    silent[0]!.sendPosition(TAK_UID, { lng: 120.301, lat: 30.521 });
    await eventually(() => Boolean(silent[0]!.latest(YUNHE_CAR)), 5_000, 'the identified client picture');
    const known = await connectTak(t, port);
    known.sendPosition(TAK_UID, { lng: 120.302, lat: 30.522 });
    await eventually(() => Boolean(known.latest(YUNHE_CAR)), 5_000, 'the second client picture');
    const metric = await server.ctx.metrics.registry.getSingleMetricAsString('jointmap_cot_connections_dropped_total');
    expect(metric).toMatch(/reason="unidentified"} 1/);
  });

  it('a device moved off its unit stops being fed, its picture is deleted on the client, and it is closed', async (t) => {
    const { server, port } = await cotServer(t);
    await registerTak(server);
    expect((await traccarQuery(server.url, { id: 'demo-yunhe-01', lat: 30.41, lon: 120.28 })).status).toBe(200);
    const tak = await connectTak(t, port);
    tak.sendPosition(TAK_UID, { lng: 120.301, lat: 30.521 });
    await eventually(() => Boolean(tak.latest(YUNHE_CAR)), 5_000, 'picture');
    const { token } = await server.login('commander');
    const moved = await api(server, token, 'POST', '/api/devices', {
      id: TAK_UID,
      stationId: 'deqing-yuyue',
      unitId: null,
    });
    expect(moved.status).toBe(200);
    tak.sendPosition(TAK_UID, { lng: 120.302, lat: 30.522 });
    await eventually(() => tak.latest(YUNHE_CAR)?.raw.event._attributes.type === 't-x-d-d', 5_000, 'unit deleted');
    await tak.closed;
    const { track } = await storedTrack(server);
    expect(track.map((f) => f.lat)).toEqual([30.521]);
    // Further events change nothing and bring nothing.
    const count = tak.events.length;
    expect((await traccarQuery(server.url, { id: 'demo-yunhe-01', lat: 30.45, lon: 120.28 })).status).toBe(200);
    tak.send(tak.lib.CoT.ping());
    tak.sendPosition(TAK_UID, { lng: 120.303, lat: 30.523 });
    const control = await connectTak(t, port);
    await registerOther(server);
    control.sendPosition('ANDROID-control', { lng: 120.2, lat: 30.6 });
    await eventually(
      () => control.latest(YUNHE_CAR) !== undefined && pointOf(control.latest(YUNHE_CAR)!).lat === 30.45,
      5_000,
      'control',
    );
    expect(tak.events.length).toBe(count);
  });

  it('garbage closes the connection and the bridge keeps serving', async (t) => {
    const { server, port } = await cotServer(t);
    await registerTak(server);
    const raw = (text: string) =>
      new Promise<void>((resolve) => {
        const s = connect({ host: '127.0.0.1', port }, () => s.write(text));
        s.on('error', () => undefined);
        s.once('close', () => resolve());
      });
    await raw('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await raw('<event version="2.0"></event>'.repeat(5));
    await raw(`<event uid="x">${'a'.repeat(70_000)}`);
    const tak = await connectTak(t, port);
    tak.sendPosition(TAK_UID, { lng: 120.301, lat: 30.521 });
    tak.send(tak.lib.CoT.ping());
    await eventually(() => received(tak, 't-x-c-t-r').length === 1, 5_000, 'pong after garbage');
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    const dropped = await server.ctx.metrics.registry.getSingleMetricAsString('jointmap_cot_connections_dropped_total');
    expect(dropped).toMatch(/reason="garbage"} 3/);
  });

  it('closes its port and connections with the app', async (t) => {
    const { server, port } = await cotServer(t);
    const tak = await connectTak(t, port);
    await server.close();
    await tak.closed;
    await expect(
      new Promise((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port }, () => resolve(s.destroy()));
        s.on('error', reject);
      }),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

import { expect, it } from 'vitest';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { fixAt } from '../api/archive-helpers.ts';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { api, connected, connectViewer, epochSeconds, eventually, traccarForm } from './live-helpers.ts';

const YUYUE_CAR = 'deqing-yuyue/yuyue-car-01';
const YUNHE_CAR = 'linping-yunhe/yunhe-car-01';

it("a closed joint operation no longer shares another station's live positions with a dispatcher; their own and a commander's view stay", async (t) => {
  const server = await startServer(t);
  const start = Date.now() - 60_000;
  const send = (device: string, lat: number, atMs: number) =>
    traccarForm(server.url, { id: device, lat, lon: 120.28, timestamp: epochSeconds(start + atMs) });
  expect((await send('demo-yuyue-01', 30.51, 0)).status).toBe(200);
  expect((await send('demo-yunhe-01', 30.41, 0)).status).toBe(200);

  // Under way: 德清's dispatcher sees 临平's patrol car through the joint operation.
  const deqing = (await server.login('deqing')).token;
  const during = connectViewer(t, server.url, { token: deqing, operationId: DEMO_OP });
  await connected(during.socket);
  await eventually(() => during.latest.has(YUNHE_CAR) && during.latest.has(YUYUE_CAR), 5_000, 'both stations');

  const commander = (await server.login('commander')).token;
  expect((await api(server, commander, 'POST', `/api/operations/${DEMO_OP}/close`)).status).toBe(200);
  // The viewer already there gets a snapshot of its narrowed share at the close, which replaces
  // what its console holds (临平's car goes from its map).
  await eventually(() => during.snapshots.length === 2, 5_000, 'the narrowed snapshot');
  const narrowed = during.snapshots[1]!.positions;
  expect([
    narrowed.some((p) => p.unitId === 'yuyue-car-01'),
    narrowed.some((p) => p.stationId !== 'deqing-yuyue'),
  ]).toEqual([true, false]);

  // Closed: a record. Opened again, it shows 德清's own car only, before and after new fixes.
  const after = connectViewer(t, server.url, { token: deqing, operationId: DEMO_OP });
  await connected(after.socket);
  await eventually(() => after.snapshots.length === 1, 5_000, 'snapshot');
  expect([...after.latest.keys()]).toContain(YUYUE_CAR);
  expect([...after.latest.keys()].filter((k) => k.startsWith('linping-yunhe/'))).toEqual([]);
  const boss = connectViewer(t, server.url, { token: commander, operationId: DEMO_OP });
  await connected(boss.socket);
  await eventually(() => boss.latest.has(YUNHE_CAR), 5_000, "the commander's snapshot");

  expect((await send('demo-yunhe-01', 30.42, 10_000)).status).toBe(200);
  expect((await send('demo-yuyue-01', 30.52, 10_000)).status).toBe(200);
  await eventually(() => after.latest.get(YUYUE_CAR)?.lngLat[1] === 30.52, 5_000, "德清's own new fix");
  await eventually(() => boss.latest.get(YUNHE_CAR)?.lngLat[1] === 30.42, 5_000, "the commander's view of 临平");
  expect(after.received().filter((p) => p.stationId === 'linping-yunhe')).toEqual([]);
  // The viewer that joined while it was under way is narrowed at the close, without a reconnect.
  await eventually(
    () => during.latest.get(YUYUE_CAR)?.lngLat[1] === 30.52,
    5_000,
    "德清's own fix, to the earlier viewer",
  );
  expect(during.received().filter((p) => p.stationId === 'linping-yunhe' && p.lngLat[1] === 30.42)).toEqual([]);
});

it("a closed joint operation lets a dispatcher read another station's track within its own time only", async (t) => {
  const server = await startServer(t);
  const createdAt = (await server.ctx.storage.getOperation(DEMO_OP))!.createdAt;
  const t0 = Date.now();
  await server.ctx.storage.appendPositions([
    fixAt('linping-yunhe', 'yunhe-car-01', createdAt - 5_000, 2),
    fixAt('linping-yunhe', 'yunhe-car-01', t0, 0),
  ]);
  const commander = (await server.login('commander')).token;
  expect((await api(server, commander, 'POST', `/api/operations/${DEMO_OP}/close`)).status).toBe(200);
  const closedAt = (await server.ctx.storage.getOperation(DEMO_OP))!.closedAt!;
  await server.ctx.storage.appendPositions([fixAt('linping-yunhe', 'yunhe-car-01', closedAt + 5_000, 1)]);

  const track = (token: string) =>
    api<{ features: Array<{ properties: { coordinateProperties: { times: number[] } } }> }>(
      server,
      token,
      'GET',
      `/api/units/yunhe-car-01/track?stationId=linping-yunhe&from=${createdAt - 60_000}&to=${closedAt + 60_000}`,
    );
  const times = (body: { features: Array<{ properties: { coordinateProperties: { times: number[] } } }> }) =>
    body.features.flatMap((f) => f.properties.coordinateProperties.times);
  const deqing = await track((await server.login('deqing')).token);
  expect(deqing.status).toBe(200);
  expect(times(deqing.body)).toEqual([t0]);
  // 临平's own dispatcher and the commander read all of it.
  for (const who of ['linping', 'commander']) {
    const all = await track((await server.login(who)).token);
    expect(times(all.body)).toEqual([createdAt - 5_000, t0, closedAt + 5_000]);
  }
});

it("a joint operation under way lets a dispatcher read another station's track from its start on, not the station's history before it", async (t) => {
  const server = await startServer(t);
  const createdAt = (await server.ctx.storage.getOperation(DEMO_OP))!.createdAt;
  const t0 = Date.now();
  await server.ctx.storage.appendPositions([
    fixAt('linping-yunhe', 'yunhe-car-01', createdAt - 3_600_000, 3),
    fixAt('linping-yunhe', 'yunhe-car-01', createdAt - 5_000, 2),
    fixAt('linping-yunhe', 'yunhe-car-01', t0, 0),
  ]);
  const track = async (who: string) => {
    const token = (await server.login(who)).token;
    const res = await api<{ features: Array<{ properties: { coordinateProperties: { times: number[] } } }> }>(
      server,
      token,
      'GET',
      `/api/units/yunhe-car-01/track?stationId=linping-yunhe&from=${createdAt - 7_200_000}&to=${t0 + 1}`,
    );
    expect(res.status).toBe(200);
    return res.body.features.flatMap((f) => f.properties.coordinateProperties.times);
  };
  expect(await track('deqing')).toEqual([t0]);
  for (const who of ['linping', 'commander'])
    expect(await track(who)).toEqual([createdAt - 3_600_000, createdAt - 5_000, t0]);
});

it("two joint operations apart share each its own time of another station's track, not the time between them", async (t) => {
  const server = await startServer(t);
  const commander = (await server.login('commander')).token;
  const createdAt = (await server.ctx.storage.getOperation(DEMO_OP))!.createdAt;
  const t0 = Date.now();
  await server.ctx.storage.appendPositions([fixAt('linping-yunhe', 'yunhe-car-01', t0, 0)]);
  expect((await api(server, commander, 'POST', `/api/operations/${DEMO_OP}/close`)).status).toBe(200);
  const closedAt = (await server.ctx.storage.getOperation(DEMO_OP))!.closedAt!;
  // Between the two: 临平's own patrol, no joint operation.
  await server.ctx.storage.appendPositions([fixAt('linping-yunhe', 'yunhe-car-01', closedAt + 1, 1)]);
  await new Promise((r) => setTimeout(r, 20));
  const next = await api<{ id: string; createdAt: number }>(server, commander, 'POST', '/api/operations', {
    name: '二次联合巡控',
    kind: 'response',
    stations: ['deqing-yuyue', 'linping-yunhe'],
  });
  expect(next.status).toBe(201);
  const t2 = Date.now() + 5;
  await server.ctx.storage.appendPositions([fixAt('linping-yunhe', 'yunhe-car-01', t2, 2)]);
  expect(closedAt + 1).toBeLessThan((await server.ctx.storage.getOperation(next.body.id))!.createdAt);

  const times = async (who: string) => {
    const res = await api<{ features: Array<{ properties: { coordinateProperties: { times: number[] } } }> }>(
      server,
      (await server.login(who)).token,
      'GET',
      `/api/units/yunhe-car-01/track?stationId=linping-yunhe&from=${createdAt - 60_000}&to=${t2 + 60_000}`,
    );
    expect(res.status).toBe(200);
    return res.body.features.flatMap((f) => f.properties.coordinateProperties.times);
  };
  expect(await times('deqing')).toEqual([t0, t2]);
  expect(await times('linping')).toEqual([t0, closedAt + 1, t2]);
});

it('the positions route and alert handling of a closed operation follow the same rule; a viewer of an operation closed earlier is narrowed when the last one sharing the station closes', async (t) => {
  const server = await startServer(t);
  const commander = (await server.login('commander')).token;
  const deqing = (await server.login('deqing')).token;
  // 桥: a second operation of 德清 and 临平, closed while the demo operation goes on.
  const bridge = await api<{ id: string }>(server, commander, 'POST', '/api/operations', {
    name: '大桥联合管控',
    kind: 'monitoring',
    stations: ['deqing-yuyue', 'linping-yunhe'],
  });
  expect(bridge.status).toBe(201);
  const start = Date.now() - 60_000;
  const send = (device: string, lat: number, atMs: number) =>
    traccarForm(server.url, { id: device, lat, lon: 120.28, timestamp: epochSeconds(start + atMs) });
  expect((await send('demo-yunhe-01', 30.41, 0)).status).toBe(200);
  expect((await api(server, commander, 'POST', `/api/operations/${bridge.body.id}/close`)).status).toBe(200);

  // Through the demo operation, still under way, 德清 still sees 临平: on the closed one too.
  const viewer = connectViewer(t, server.url, { token: deqing, operationId: bridge.body.id });
  await connected(viewer.socket);
  await eventually(() => viewer.latest.has(YUNHE_CAR), 5_000, '临平 through the operation under way');
  const rest = () =>
    api<{ positions: Array<{ stationId: string }> }>(
      server,
      deqing,
      'GET',
      `/api/operations/${bridge.body.id}/positions`,
    );
  expect((await rest()).body.positions.some((p) => p.stationId === 'linping-yunhe')).toBe(true);

  // The demo operation closes too: nothing of 临平 any more, live or by REST, without a reconnect.
  expect((await api(server, commander, 'POST', `/api/operations/${DEMO_OP}/close`)).status).toBe(200);
  expect((await send('demo-yunhe-01', 30.43, 10_000)).status).toBe(200);
  expect((await send('demo-yuyue-01', 30.53, 10_000)).status).toBe(200);
  await eventually(() => viewer.latest.get(YUYUE_CAR)?.lngLat[1] === 30.53, 5_000, "德清's own fix");
  expect(viewer.received().filter((p) => p.stationId === 'linping-yunhe' && p.lngLat[1] === 30.43)).toEqual([]);
  expect((await rest()).body.positions.filter((p) => p.stationId === 'linping-yunhe')).toEqual([]);

  // Its alerts are a record: they are not acknowledged any more.
  await server.ctx.storage.insertAlert(fixtures.sosAlert('closed-sos', DEMO_OP, start));
  const ack = await api<{ error: { code: string } }>(
    server,
    deqing,
    'POST',
    `/api/operations/${DEMO_OP}/alerts/closed-sos/acknowledge`,
  );
  expect(ack.status).toBe(403);
  expect((await server.ctx.storage.getAlert(DEMO_OP, 'closed-sos'))?.state).toBe('open');
});

it("a dispatcher joining the live view while the operation closes gets their own station's share", async (t) => {
  const server = await startServer(t);
  const start = Date.now() - 60_000;
  const send = (device: string, lat: number, atMs: number) =>
    traccarForm(server.url, { id: device, lat, lon: 120.28, timestamp: epochSeconds(start + atMs) });
  expect((await send('demo-yuyue-01', 30.51, 0)).status).toBe(200);
  expect((await send('demo-yunhe-01', 30.41, 0)).status).toBe(200);
  const deqing = (await server.login('deqing')).token;
  const commander = (await server.login('commander')).token;

  // The join reads the operation while it is under way; the commander's close lands before the
  // viewer is in the room, so the close's narrowing does not find it.
  const storage = server.ctx.storage;
  const getOperation = storage.getOperation.bind(storage);
  let armed = true;
  storage.getOperation = async (id) => {
    const op = await getOperation(id);
    if (armed && id === DEMO_OP) {
      armed = false;
      expect((await api(server, commander, 'POST', `/api/operations/${DEMO_OP}/close`)).status).toBe(200);
    }
    return op;
  };
  t.onTestFinished(() => {
    storage.getOperation = getOperation;
  });

  const viewer = connectViewer(t, server.url, { token: deqing, operationId: DEMO_OP });
  await connected(viewer.socket);
  await eventually(() => viewer.snapshots.length >= 1, 5_000, 'snapshot');
  expect(armed).toBe(false);
  expect((await server.ctx.storage.getOperation(DEMO_OP))!.status).toBe('closed');
  const shown = viewer.snapshots.flatMap((s) => s.positions);
  expect([shown.some((p) => p.unitId === 'yuyue-car-01'), shown.some((p) => p.stationId === 'linping-yunhe')]).toEqual([
    true,
    false,
  ]);

  expect((await send('demo-yunhe-01', 30.42, 10_000)).status).toBe(200);
  expect((await send('demo-yuyue-01', 30.52, 10_000)).status).toBe(200);
  await eventually(() => viewer.latest.get(YUYUE_CAR)?.lngLat[1] === 30.52, 5_000, "德清's own new fix");
  expect(viewer.received().filter((p) => p.stationId === 'linping-yunhe')).toEqual([]);
});

import { describe, expect, it } from 'vitest';
import { startPair, until } from '../cluster/live-pair.ts';
import { DEMO_OP, startServer, type TestServer } from '../helpers/server.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { connectClient } from '../helpers/sync-client.ts';
import { api, eventually, traccarQuery } from '../live/live-helpers.ts';
import { connectTak, pointOf, type TakClient } from './tak-client.ts';

const TAK_UID = 'ANDROID-5f3a9c0e21b7d4aa';
const YUNHE_CAR = 'jointmap.unit.linping-yunhe.yunhe-car-01';
const ZHOUQUAN_CAR = 'jointmap.unit.tongxiang-zhouquan.zhouquan-car-01';
const OWN_UNIT = 'jointmap.unit.deqing-yuyue.yuyue-car-01';
const FOOT_UNIT = 'jointmap.unit.deqing-yuyue.yuyue-foot-02';
const DELETE = 't-x-d-d';

const typeOf = (tak: TakClient, uid: string) => tak.latest(uid)?.raw.event._attributes.type;
const pongs = (tak: TakClient) => tak.events.filter((e) => e.raw.event._attributes.type === 't-x-c-t-r').length;

/** Register (or move, or release with `unitId` null) the TAK client's uid as the commander. */
async function registerTak(server: TestServer, unitId: string | null, uid = TAK_UID): Promise<void> {
  const { token } = await server.login('commander');
  const res = await api(server, token, 'POST', '/api/devices', { id: uid, stationId: 'deqing-yuyue', unitId });
  expect(res.status).toBeLessThan(300);
}

/** A TAK client identified by one position of `uid`, holding the picture (`YUNHE_CAR` at least). */
async function identifiedTak(t: Parameters<typeof connectTak>[0], port: number, uid = TAK_UID): Promise<TakClient> {
  const tak = await connectTak(t, port);
  tak.sendPosition(uid, { lng: 120.301, lat: 30.521 });
  await eventually(() => Boolean(tak.latest(YUNHE_CAR)), 5_000, 'picture');
  return tak;
}

async function fix(server: TestServer, id: string, lat: number, lon = 120.28): Promise<void> {
  expect((await traccarQuery(server.url, { id, lat, lon })).status).toBe(200);
}

/** Resolves when the TAK connection has closed; fails the test after `ms`. */
const closedWithin = (tak: TakClient, ms: number, what: string) =>
  Promise.race([
    tak.closed,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: still connected`)), ms)),
  ]);

async function cotServer(t: Parameters<typeof startServer>[0]): Promise<{ server: TestServer; port: number }> {
  const server = await startServer(t, { cotPort: 0 });
  return { server, port: server.app.cotBridge!.address()!.port };
}

describe('a TAK connection is checked again when what it may see changes', () => {
  it('a client that only pings is closed when a commander releases its device, after its picture is deleted', async (t) => {
    const { server, port } = await cotServer(t);
    await registerTak(server, 'yuyue-car-01');
    await fix(server, 'demo-yunhe-01', 30.41);
    const tak = await identifiedTak(t, port);
    tak.send(tak.lib.CoT.ping());
    await eventually(() => pongs(tak) === 1, 5_000, 'pong');

    // The phone is lost: released; from now on it only pings.
    await registerTak(server, null);
    tak.send(tak.lib.CoT.ping());
    await closedWithin(tak, 3_000, 'released device');
    expect(typeOf(tak, YUNHE_CAR)).toBe(DELETE);
    const count = tak.events.length;
    await fix(server, 'demo-yunhe-01', 30.45);
    await server.app.cotBridge!.whenIdle();
    expect(tak.events.length).toBe(count);
    const dropped = await server.ctx.metrics.registry.getSingleMetricAsString('jointmap_cot_connections_dropped_total');
    expect(dropped).toMatch(/reason="revoked"} 1/);
  });

  it('after its operation closes a client receives nothing of it, and keeps what another operation shares', async (t) => {
    const { server, port } = await cotServer(t);
    await registerTak(server, 'yuyue-car-01');
    const { token } = await server.login('commander');
    const other = await api<{ id: string }>(server, token, 'POST', '/api/operations', {
      name: '运河联动',
      kind: 'response',
      stations: ['deqing-yuyue', 'linping-yunhe'],
    });
    expect(other.status).toBe(201);
    await fix(server, 'demo-yunhe-01', 30.41);
    await fix(server, 'demo-zhouquan-01', 30.61, 120.4);
    const { token: deqing } = await server.login('deqing');
    const inDemo = await connectClient(t, server.wsUrl, `${DEMO_OP}/deqing-yuyue`, deqing);
    inDemo.doc.getMap('annotations').set('a1', pointAnnotation('a1', '走失老人最后出现位置'));
    const inOther = await connectClient(t, server.wsUrl, `${other.body.id}/deqing-yuyue`, deqing);
    inOther.doc.getMap('annotations').set('b1', pointAnnotation('b1', '集合点'));
    const demoShape = `jointmap.annotation.${DEMO_OP}.deqing-yuyue.a1`;
    const otherShape = `jointmap.annotation.${other.body.id}.deqing-yuyue.b1`;
    const tak = await identifiedTak(t, port);
    await eventually(
      () => Boolean(tak.latest(ZHOUQUAN_CAR) && tak.latest(demoShape) && tak.latest(otherShape)),
      5_000,
      'both operations',
    );

    expect((await api(server, token, 'POST', `/api/operations/${DEMO_OP}/close`)).status).toBe(200);
    // The closed operation's items are deleted on the client: its shapes, and the units of
    // stations no other operation shares with it.
    await eventually(() => typeOf(tak, ZHOUQUAN_CAR) === DELETE && typeOf(tak, demoShape) === DELETE, 5_000, 'deletes');
    expect(typeOf(tak, YUNHE_CAR)).not.toBe(DELETE);
    expect(typeOf(tak, otherShape)).not.toBe(DELETE);
    const afterClose = tak.events.length;

    // Only pings from now on: the still-shared unit moves, the other does not reach it.
    tak.send(tak.lib.CoT.ping());
    await fix(server, 'demo-zhouquan-01', 30.62, 120.4);
    await fix(server, 'demo-yunhe-01', 30.43);
    await eventually(() => pointOf(tak.latest(YUNHE_CAR)!).lat === 30.43, 5_000, 'shared unit');
    const since = tak.events.slice(afterClose).map((e) => e.uid());
    expect(since).not.toContain(ZHOUQUAN_CAR);
    expect(since).not.toContain(demoShape);
    expect(tak.isClosed()).toBe(false);
  });

  it('a device moved to another unit of its station is itself there, and sees its old unit', async (t) => {
    const { server, port } = await cotServer(t);
    await registerTak(server, 'yuyue-car-01');
    await fix(server, 'demo-yunhe-01', 30.41);
    await fix(server, 'demo-yuyue-02', 30.52, 120.29);
    const tak = await identifiedTak(t, port);
    await eventually(() => Boolean(tak.latest(FOOT_UNIT)), 5_000, 'the other unit of the station');
    expect(tak.latest(OWN_UNIT)).toBeUndefined();

    await registerTak(server, 'yuyue-foot-02');
    await eventually(() => typeOf(tak, FOOT_UNIT) === DELETE, 5_000, 'the new own unit deleted');
    await eventually(() => pointOf(tak.latest(OWN_UNIT)!).lat === 30.521, 5_000, 'the old own unit');
    expect(tak.isClosed()).toBe(false);
  });

  it('a release whose message never came is caught by the periodic check against storage', async (t) => {
    const { server, port } = await cotServer(t);
    await registerTak(server, 'yuyue-car-01');
    await fix(server, 'demo-yunhe-01', 30.41);
    const tak = await identifiedTak(t, port);
    // As another instance would, with the relay down: stored, never announced here.
    const device = (await server.ctx.storage.getDevice(TAK_UID))!;
    await server.ctx.storage.upsertDevice({ ...device, unitId: null });
    await server.app.cotBridge!.recheck();
    await closedWithin(tak, 3_000, 'released device after the periodic check');
    expect(typeOf(tak, YUNHE_CAR)).toBe(DELETE);
  });
});

describe('over several instances', () => {
  it('a device released and an operation closed on one instance reach TAK connections on another', async (t) => {
    const { a, b } = await startPair(t, { cotPort: 0 });
    const port = b.app.cotBridge!.address()!.port;
    await registerTak(a, 'yuyue-car-01');
    await registerTak(a, 'yuyue-foot-02', 'ANDROID-control');
    await fix(a, 'demo-yunhe-01', 30.41);
    const lost = await identifiedTak(t, port);
    const kept = await identifiedTak(t, port, 'ANDROID-control');

    await registerTak(a, null);
    await closedWithin(lost, 5_000, 'released on the other instance');
    expect(typeOf(lost, YUNHE_CAR)).toBe(DELETE);
    expect(kept.isClosed()).toBe(false);

    const { token } = await a.login('commander');
    expect((await api(a, token, 'POST', `/api/operations/${DEMO_OP}/close`)).status).toBe(200);
    await until(() => typeOf(kept, YUNHE_CAR) === DELETE, 15_000, 'the closed operation deleted on the other instance');
    const count = kept.events.length;
    await fix(a, 'demo-yunhe-01', 30.45);
    // Relayed to B over Redis: given the time a relayed fix takes there.
    await new Promise((r) => setTimeout(r, 500));
    expect(kept.events.length).toBe(count);
  });
});

import { describe, expect, it } from 'vitest';
import type { Unit } from '@jointmap/shared';
import { DEMO_OP, startServer, type TestServer } from '../helpers/server.ts';
import { api, connected, connectViewer, epochSeconds, eventually, setUpWukang, traccarQuery } from './live-helpers.ts';

async function unitsOf(server: TestServer, stationId: string): Promise<Map<string, Unit>> {
  const room = await server.ctx.rooms.get(`${DEMO_OP}/${stationId}`);
  await room.idle();
  return new Map(room.doc.getMap<Unit>('units').entries());
}

describe('devices and units over REST', () => {
  it('the demo seed has the units of SCENARIOS with their trackers', async (t) => {
    const server = await startServer(t);
    const yuyue = await unitsOf(server, 'deqing-yuyue');
    expect([...yuyue.values()].map((u) => [u.callsign, u.kind, u.deviceIds])).toEqual([
      ['禹越巡01', 'car', ['demo-yuyue-01']],
      ['禹越步巡02', 'foot', ['demo-yuyue-02']],
      ['无人机01', 'drone', ['demo-drone-01']],
    ]);
    const all = [
      ...yuyue.values(),
      ...(await unitsOf(server, 'linping-yunhe')).values(),
      ...(await unitsOf(server, 'tongxiang-zhouquan')).values(),
    ];
    expect(all.map((u) => u.callsign).sort()).toEqual(
      ['无人机01', '洲泉巡01', '洲泉巡02', '禹越巡01', '禹越步巡02', '警犬01', '运河巡01', '运河巡02'].sort(),
    );
    const { token } = await server.login('commander');
    const devices = await api<{ devices: Array<{ id: string; unitId: string }> }>(server, token, 'GET', '/api/devices');
    expect(devices.body.devices).toHaveLength(8);
  });

  it('dispatchers register trackers for their own station only; commanders for any', async (t) => {
    const server = await startServer(t);
    const deqing = await server.login('deqing');
    const wall = await server.login('wall');
    const commander = await server.login('commander');
    expect(
      (
        await api(server, deqing.token, 'POST', '/api/devices', {
          id: 'yy-phone-7',
          stationId: 'deqing-yuyue',
          unitId: 'yuyue-car-01',
          label: '禹越巡01 手机',
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await api(server, deqing.token, 'POST', '/api/devices', {
          id: 'yh-phone-1',
          stationId: 'linping-yunhe',
          unitId: 'yunhe-car-01',
        })
      ).body,
    ).toMatchObject({ error: { code: 'FORBIDDEN' } });
    // Nor may a dispatcher take over another station's tracker.
    expect(
      (
        await api(server, deqing.token, 'POST', '/api/devices', {
          id: 'demo-yunhe-01',
          stationId: 'deqing-yuyue',
          unitId: 'yuyue-car-01',
        })
      ).body,
    ).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect(
      (await api(server, wall.token, 'POST', '/api/devices', { id: 'x-1', stationId: 'deqing-yuyue', unitId: null }))
        .body,
    ).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect(
      (
        await api(server, commander.token, 'POST', '/api/devices', {
          id: 'yh-phone-1',
          stationId: 'linping-yunhe',
          unitId: 'yunhe-car-01',
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await api(server, commander.token, 'POST', '/api/devices', {
          id: 'bad id',
          stationId: 'linping-yunhe',
          unitId: null,
        })
      ).body,
    ).toMatchObject({ error: { code: 'INVALID_PAYLOAD' } });
    expect(
      (await api(server, commander.token, 'POST', '/api/devices', { id: 'ok-id', stationId: 'nowhere', unitId: null }))
        .body,
    ).toMatchObject({ error: { code: 'INVALID_PAYLOAD' } });

    const own = await api<{ devices: Array<{ id: string }> }>(server, deqing.token, 'GET', '/api/devices');
    expect(own.body.devices.map((d) => d.id)).toEqual([
      'demo-drone-01',
      'demo-yuyue-01',
      'demo-yuyue-02',
      'yy-phone-7',
    ]);
    expect((await api(server, deqing.token, 'GET', '/api/devices?stationId=linping-yunhe')).status).toBe(403);
    expect((await api(server, wall.token, 'GET', '/api/devices')).status).toBe(403);

    // The registration shows in the roster, and the new tracker's fixes move the unit at once.
    expect((await unitsOf(server, 'deqing-yuyue')).get('yuyue-car-01')!.deviceIds).toEqual([
      'demo-yuyue-01',
      'yy-phone-7',
    ]);
    const viewer = connectViewer(t, server.url, { token: deqing.token, operationId: DEMO_OP });
    await connected(viewer.socket);
    expect(
      (await traccarQuery(server.url, { id: 'yy-phone-7', lat: 30.52, lon: 120.29, timestamp: epochSeconds() })).status,
    ).toBe(200);
    await eventually(
      () => viewer.latest.get('deqing-yuyue/yuyue-car-01')?.deviceId === 'yy-phone-7',
      5_000,
      'fix from the new tracker',
    );
  });

  it("a tracker registers only to a unit of its own station's roster", async (t) => {
    const server = await startServer(t);
    const deqing = await server.login('deqing');
    const commander = await server.login('commander');
    const register = (token: string, body: object) => api(server, token, 'POST', '/api/devices', body);
    const refusedCode = (res: { status: number; body: unknown }) =>
      res.status >= 400 ? (res.body as { error: { code: string } }).error.code : `status ${res.status}`;
    const linpingBefore = await unitsOf(server, 'linping-yunhe');

    // Own station in the body, another station's unit: refused (it would let deqing feed and read
    // 临平运河's unit).
    expect(
      refusedCode(await register(deqing.token, { id: 'evil-1', stationId: 'deqing-yuyue', unitId: 'yunhe-car-01' })),
    ).toMatch(/^(FORBIDDEN|INVALID_PAYLOAD)$/);
    // Moving an own tracker over to it is refused the same way.
    expect(
      refusedCode(
        await register(deqing.token, { id: 'demo-yuyue-01', stationId: 'deqing-yuyue', unitId: 'yunhe-car-01' }),
      ),
    ).toMatch(/^(FORBIDDEN|INVALID_PAYLOAD)$/);
    // Nor for a unit that exists nowhere, nor by a commander across stations.
    expect(
      refusedCode(await register(deqing.token, { id: 'evil-2', stationId: 'deqing-yuyue', unitId: 'no-such-unit' })),
    ).toMatch(/^(FORBIDDEN|INVALID_PAYLOAD)$/);
    expect(
      refusedCode(await register(commander.token, { id: 'evil-3', stationId: 'deqing-yuyue', unitId: 'yunhe-car-01' })),
    ).toMatch(/^(FORBIDDEN|INVALID_PAYLOAD)$/);

    // Nothing was stored: no device, the tracker moved nowhere, its fixes are refused, the rosters unchanged.
    for (const id of ['evil-1', 'evil-2', 'evil-3']) {
      expect(await server.ctx.storage.getDevice(id)).toBeNull();
      expect((await traccarQuery(server.url, { id, lat: 30.45, lon: 120.3, timestamp: epochSeconds() })).status).toBe(
        404,
      );
    }
    expect(await server.ctx.storage.getDevice('demo-yuyue-01')).toMatchObject({ unitId: 'yuyue-car-01' });
    expect(await server.ctx.storage.latestPosition('linping-yunhe', 'yunhe-car-01')).toBeNull();
    expect(await server.ctx.storage.latestPosition('deqing-yuyue', 'yunhe-car-01')).toBeNull();
    expect(await unitsOf(server, 'linping-yunhe')).toEqual(linpingBefore);
    expect((await unitsOf(server, 'deqing-yuyue')).get('yuyue-car-01')!.deviceIds).toEqual(['demo-yuyue-01']);
    // A unit of the own roster is still fine.
    expect(
      (await register(deqing.token, { id: 'yy-phone-8', stationId: 'deqing-yuyue', unitId: 'drone-01' })).status,
    ).toBe(201);
  });

  it("a track is shown only to users who may see the station of the unit, and holds only that station's fixes", async (t) => {
    const server = await startServer(t);
    const commander = await server.login('commander');
    const deqing = await server.login('deqing');
    // 武康: a station in no operation with the demo stations, with a unit and its tracker.
    await setUpWukang(server, commander.token);
    const t0 = Date.now() - 60_000;
    expect(
      (await traccarQuery(server.url, { id: 'wk-1', lat: 30.54, lon: 119.97, timestamp: epochSeconds(t0) })).status,
    ).toBe(200);
    // A tracker registered to that unit id under 德清禹越 before registrations were checked: its fix is
    // 德清禹越's unit `wk-car-1`, a different unit from 武康's.
    await server.ctx.storage.upsertDevice({
      id: 'evil-old',
      stationId: 'deqing-yuyue',
      unitId: 'wk-car-1',
      label: 'evil-old',
      createdAt: Date.now(),
    });
    expect(
      (await traccarQuery(server.url, { id: 'evil-old', lat: 30.5, lon: 120.3, timestamp: epochSeconds() })).status,
    ).toBe(200);
    expect((await server.ctx.storage.latestPosition('wukang', 'wk-car-1'))?.deviceId).toBe('wk-1');
    expect((await server.ctx.storage.latestPosition('deqing-yuyue', 'wk-car-1'))?.deviceId).toBe('evil-old');

    type Track = { properties: { count: number; stationId: string } };
    // 德清 sees its own unit of that id only; 武康's is answered like an unknown unit.
    const own = await api<Track>(server, deqing.token, 'GET', '/api/units/wk-car-1/track');
    expect(own.body.properties).toMatchObject({ stationId: 'deqing-yuyue', count: 1 });
    const other = await api(server, deqing.token, 'GET', '/api/units/wk-car-1/track?stationId=wukang');
    expect(other.status).toBe(404);
    expect(other.body).toMatchObject({ error: { code: 'NOT_FOUND' } });
    // A commander sees both, one at a time: without a station the request is ambiguous.
    const ambiguous = await api(server, commander.token, 'GET', '/api/units/wk-car-1/track');
    expect(ambiguous.body).toMatchObject({ error: { code: 'CONFLICT' } });
    const allowed = await api<Track>(server, commander.token, 'GET', '/api/units/wk-car-1/track?stationId=wukang');
    expect(allowed.status).toBe(200);
    expect(allowed.body.properties).toMatchObject({ stationId: 'wukang', count: 1 });
  });

  it('moving a tracker to another unit moves it in the roster and in ingest', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    const moved = await api(server, token, 'POST', '/api/devices', {
      id: 'demo-yuyue-01',
      stationId: 'deqing-yuyue',
      unitId: 'yuyue-foot-02',
    });
    expect(moved.status).toBe(200);
    const units = await unitsOf(server, 'deqing-yuyue');
    expect(units.get('yuyue-car-01')!.deviceIds).toEqual([]);
    expect(units.get('yuyue-foot-02')!.deviceIds).toEqual(['demo-yuyue-02', 'demo-yuyue-01']);
    expect(
      (await traccarQuery(server.url, { id: 'demo-yuyue-01', lat: 30.52, lon: 120.29, timestamp: epochSeconds() }))
        .status,
    ).toBe(200);
    expect(await server.ctx.storage.latestPosition('deqing-yuyue', 'yuyue-car-01')).toBeNull();
    expect((await server.ctx.storage.latestPosition('deqing-yuyue', 'yuyue-foot-02'))?.deviceId).toBe('demo-yuyue-01');
  });

  it('POST /api/operations/:id/units writes a unit into the station roster (write scope enforced)', async (t) => {
    const server = await startServer(t);
    const deqing = await server.login('deqing');
    const created = await api<Unit>(server, deqing.token, 'POST', `/api/operations/${DEMO_OP}/units`, {
      id: 'yuyue-moto-03',
      callsign: '禹越巡03',
      kind: 'motorbike',
      stationId: 'deqing-yuyue',
      members: ['辅警'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ callsign: '禹越巡03', status: 'available', deviceIds: [] });
    expect((await unitsOf(server, 'deqing-yuyue')).get('yuyue-moto-03')?.callsign).toBe('禹越巡03');
    const other = await api(server, deqing.token, 'POST', `/api/operations/${DEMO_OP}/units`, {
      callsign: '运河巡09',
      kind: 'car',
      stationId: 'linping-yunhe',
    });
    expect(other.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    const bad = await api(server, deqing.token, 'POST', `/api/operations/${DEMO_OP}/units`, {
      callsign: '禹越巡04',
      kind: 'tank',
      stationId: 'deqing-yuyue',
    });
    expect(bad.body).toMatchObject({ error: { code: 'INVALID_PAYLOAD' } });
  });
});

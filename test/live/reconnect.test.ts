import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildApp } from '@jointmap/server';
import { defaultConfig } from '@jointmap/server/config';
import { DEMO_OP, DEMO_PASSWORD, login, startServer, tempDir } from '../helpers/server.ts';
import { api, connected, connectError, connectViewer, epochSeconds, eventually, traccarQuery } from './live-helpers.ts';

describe('joining and reconnecting', () => {
  it('a client that joins gets the latest positions at once, and again after a reconnect', async (t) => {
    const server = await startServer(t);
    const t0 = Date.now() - 10_000;
    for (const [id, lat, time] of [
      ['demo-yuyue-01', 30.5, t0],
      ['demo-yuyue-01', 30.51, t0 + 5_000],
      ['demo-yunhe-01', 30.45, t0],
    ] as const) {
      expect((await traccarQuery(server.url, { id, lat, lon: 120.3, timestamp: epochSeconds(time) })).status).toBe(200);
    }
    const viewer = connectViewer(t, server.url, { token: (await server.login('deqing')).token, operationId: DEMO_OP });
    await connected(viewer.socket);
    await eventually(() => viewer.snapshots.length === 1, 5_000, 'snapshot');
    const snap = viewer.snapshots[0]!;
    expect(snap.operationId).toBe(DEMO_OP);
    expect(snap.thresholds).toEqual({ staleAfterMs: 60_000, lostAfterMs: 300_000 });
    expect(Object.fromEntries(snap.positions.map((p) => [p.unitId, p.lngLat[1]]))).toEqual({
      'yuyue-car-01': 30.51,
      'yunhe-car-01': 30.45,
    });

    // While the client is cut off, a unit moves; on reconnect it has the new position without asking.
    const firstId = viewer.socket.id;
    viewer.socket.io.engine.close();
    await eventually(() => viewer.socket.disconnected, 5_000, 'disconnect seen');
    expect(
      (
        await traccarQuery(server.url, {
          id: 'demo-yuyue-01',
          lat: 30.6,
          lon: 120.3,
          timestamp: epochSeconds(t0 + 8_000),
        })
      ).status,
    ).toBe(200);
    await eventually(() => viewer.snapshots.length === 2, 10_000, 'snapshot after reconnect');
    expect(viewer.socket.id).not.toBe(firstId);
    expect(viewer.snapshots[1]!.positions.find((p) => p.unitId === 'yuyue-car-01')!.lngLat[1]).toBe(30.6);
  });

  it('after a clean server restart on the same port, clients reconnect by themselves and get a new snapshot', async (t) => {
    const dataDir = tempDir();
    // A real server on a fixed port (the first one picks it), so it can be started again under the client.
    const serverOn = async (port: number) => {
      const built = await buildApp(
        defaultConfig({ port, dataDir, demoPassword: DEMO_PASSWORD, logLevel: 'silent', simulate: false }),
        {
          logger: false,
        },
      );
      await built.app.listen({ port, host: '127.0.0.1' });
      const addr = built.app.server.address();
      if (!addr || typeof addr === 'string') throw new Error('no address');
      return { app: built.app, port: addr.port, url: `http://127.0.0.1:${addr.port}` };
    };
    let server = await serverOn(0);
    t.onTestFinished(async () => {
      await server.app.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
    const { token } = await login(server.url, 'wall');
    const viewer = connectViewer(t, server.url, { token, operationId: DEMO_OP });
    await connected(viewer.socket);
    await eventually(() => viewer.snapshots.length === 1, 5_000, 'first snapshot');
    const reasons: string[] = [];
    viewer.socket.on('disconnect', (reason) => reasons.push(reason));

    await server.app.close();
    await eventually(() => viewer.socket.disconnected, 5_000, 'disconnect seen');
    server = await serverOn(server.port);
    await eventually(() => viewer.snapshots.length === 2, 10_000, 'snapshot after the restart');
    expect(viewer.socket.connected).toBe(true);
    expect(reasons).toEqual(['transport close']);
    // And positions flow again.
    expect(
      (await traccarQuery(server.url, { id: 'demo-yunhe-01', lat: 30.44, lon: 120.3, timestamp: epochSeconds() }))
        .status,
    ).toBe(200);
    await eventually(
      () => viewer.latest.get('linping-yunhe/yunhe-car-01')?.lngLat[1] === 30.44,
      5_000,
      'fix after the restart',
    );
  });

  it('live:join on an open connection acks and sends the snapshot; live:leave stops batches', async (t) => {
    const server = await startServer(t);
    expect(
      (
        await traccarQuery(server.url, {
          id: 'demo-zhouquan-01',
          lat: 30.55,
          lon: 120.25,
          timestamp: epochSeconds(Date.now() - 2_000),
        })
      ).status,
    ).toBe(200);
    const viewer = connectViewer(t, server.url, { token: (await server.login('commander')).token });
    await connected(viewer.socket);
    expect(await viewer.join(DEMO_OP)).toEqual({ ok: true, operationId: DEMO_OP });
    await eventually(() => viewer.snapshots.length === 1, 5_000, 'snapshot');
    expect(viewer.snapshots[0]!.positions.map((p) => p.unitId)).toEqual(['zhouquan-car-01']);
    expect(await viewer.socket.timeout(5_000).emitWithAck('live:leave', { operationId: DEMO_OP })).toEqual({
      ok: true,
      operationId: DEMO_OP,
    });
    expect(
      (await traccarQuery(server.url, { id: 'demo-zhouquan-01', lat: 30.56, lon: 120.25, timestamp: epochSeconds() }))
        .status,
    ).toBe(200);
    // Re-joining shows the new fix in the snapshot, and no batch arrived while away.
    expect((await viewer.join(DEMO_OP)).ok).toBe(true);
    await eventually(() => viewer.snapshots.length === 2, 5_000, 'second snapshot');
    expect(viewer.snapshots[1]!.positions[0]!.lngLat[1]).toBe(30.56);
    expect(viewer.batches).toEqual([]);
  });

  it('refuses bad handshakes and operations the user does not take part in, with codes', async (t) => {
    const server = await startServer(t);
    const noToken = connectViewer(t, server.url, { token: '' }, { reconnection: false });
    expect((await connectError(noToken.socket)).code).toBe('INVALID_PAYLOAD');
    const badToken = connectViewer(t, server.url, { token: 'abc.def' }, { reconnection: false });
    expect((await connectError(badToken.socket)).code).toBe('UNAUTHENTICATED');
    const { token } = await server.login('linping');
    // A console of protocol 1 would drop every SOS alert (they name their device): refused.
    const old = connectViewer(t, server.url, { token, protocolVersion: 1 }, { reconnection: false });
    expect((await connectError(old.socket)).code).toBe('CLIENT_TOO_OLD');

    const commander = await server.login('commander');
    const other = await api<{ id: string }>(server, commander.token, 'POST', '/api/operations', {
      name: '洲泉单独行动',
      kind: 'response',
      stations: ['tongxiang-zhouquan'],
    });
    const viewer = connectViewer(t, server.url, { token });
    await connected(viewer.socket);
    expect(await viewer.join(other.body.id)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await viewer.join('no-such-op')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(
      await viewer.socket.timeout(5_000).emitWithAck('live:join', { operationId: 'bad id!' } as never),
    ).toMatchObject({
      ok: false,
      error: { code: 'INVALID_PAYLOAD' },
    });
    // Auto-join of a forbidden operation: coded live:error, then the server disconnects.
    const auto = connectViewer(t, server.url, { token, operationId: other.body.id }, { reconnection: false });
    await eventually(() => auto.errors.length === 1 && auto.socket.disconnected, 5_000, 'live:error');
    expect(auto.errors[0]).toMatchObject({ code: 'NOT_FOUND', operationId: other.body.id });
  });

  it('the document sync WebSocket still works next to socket.io', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    const ws = new WebSocket(`${server.wsUrl}/sync/${DEMO_OP}/deqing-yuyue?token=${token}`);
    const first = await new Promise<Buffer>((resolve, reject) => {
      ws.once('message', (data: Buffer) => resolve(data));
      ws.once('error', reject);
    });
    expect(first[0]).toBe(0); // y-websocket sync message
    // engine.io closes foreign upgrades after 1 s unless told not to: the socket must outlive that.
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });
});

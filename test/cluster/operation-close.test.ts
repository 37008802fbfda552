import { describe, expect, it } from 'vitest';
import { CAR, send, storedAlerts } from '../alerts/alert-helpers.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { DEMO_OP } from '../helpers/server.ts';
import { connectClient, eventually } from '../helpers/sync-client.ts';
import { connected, connectViewer, epochSeconds, traccarQuery } from '../live/live-helpers.ts';
import { startPair, until } from './live-pair.ts';

const DOC = `${DEMO_OP}/deqing-yuyue`;

describe('an operation closed on one instance', () => {
  it('is read-only on the other instance too: its writers reconnect read-only, and it raises no more alerts there', async (t) => {
    const { a, b } = await startPair(t, { ingestRatePerSecond: 1000, ingestRateBurst: 1000, alertCheckMs: 3600_000 });
    const onB = await connectClient(t, b.wsUrl, DOC, (await b.login('deqing')).token);
    let connects = 0;
    onB.provider.on('status', ({ status }: { status: string }) => void (status === 'connected' && connects++));
    onB.doc.getMap('annotations').set('before', pointAnnotation('before', '关闭前'));
    await eventually(() => b.ctx.rooms.has(DOC), 5_000, 'the room on B');
    // Both instances follow the operation's alerts.
    await send(b, CAR.deviceId, [{ time: Date.now() - 2_000, at: [120.3, 30.5] }]);
    await Promise.all([a.alerts.whenIdle(), b.alerts.whenIdle()]);

    const { token } = await a.login('commander');
    const res = await fetch(`${a.url}/api/operations/${DEMO_OP}/close`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);

    // B unloads the room its writer is on: the client reconnects and is admitted read-only.
    await eventually(() => connects > 0 && onB.provider.wsconnected && onB.provider.synced, 10_000, 'B reconnect');
    onB.doc.getMap('annotations').set('after', pointAnnotation('after', '关闭后'));
    await eventually(() => onB.rejections.length > 0, 10_000, 'the refusal on B');
    expect(onB.rejections[0]).toMatch(/FORBIDDEN|READ_ONLY|closed/);
    // What is stored has the edit from before the close, not the refused one.
    const fresh = await connectClient(t, a.wsUrl, DOC, token);
    expect(fresh.doc.getMap('annotations').has('before')).toBe(true);
    expect(fresh.doc.getMap('annotations').has('after')).toBe(false);

    // An SOS through B is not an alert of the closed operation.
    await send(b, CAR.deviceId, [{ time: Date.now() - 1_000, at: [120.3, 30.5], alarm: 'sos' }]);
    await Promise.all([a.alerts.whenIdle(), b.alerts.whenIdle()]);
    expect((await storedAlerts(b)).filter((x) => x.kind === 'sos')).toEqual([]);
  });

  it('narrows a live viewer on the other instance that holds none of its rooms: a 德清 dispatcher no longer gets 洲泉 positions', async (t) => {
    // Rooms loaded for the viewer's join (alerts, coverage) unload at once on B.
    const { a, b } = await startPair(t, { roomIdleMs: 100 });
    const deqing = await b.login('deqing');
    const viewer = connectViewer(t, b.url, { token: deqing.token, operationId: DEMO_OP });
    await connected(viewer.socket);
    await eventually(() => viewer.snapshots.length === 1, 5_000, 'the snapshot');
    await until(() => !b.ctx.rooms.names().some((n) => n.startsWith(`${DEMO_OP}/`)), 10_000, 'no room of it on B');
    const fix = (id: string, at: number) =>
      traccarQuery(a.url, { id, lat: 30.6, lon: 120.3, timestamp: epochSeconds(at) });
    // While active, the joint operation shares every station's positions.
    expect((await fix('demo-zhouquan-01', Date.now() - 20_000)).status).toBe(200);
    await eventually(() => viewer.received().some((p) => p.unitId === 'zhouquan-car-01'), 5_000, '洲泉 while active');

    const { token } = await a.login('commander');
    const res = await fetch(`${a.url}/api/operations/${DEMO_OP}/close`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    // B's next check of the operations it serves (every 10 s) narrows the viewer; a 洲泉 fix sent
    // after that, then a 德清 one, reaches the viewer as the 德清 one only.
    await new Promise((r) => setTimeout(r, 11_000));
    // … with a snapshot of its share, which replaces what its console holds.
    expect(viewer.snapshots).toHaveLength(2);
    expect(viewer.snapshots[1]!.positions.filter((p) => p.stationId !== 'deqing-yuyue')).toEqual([]);
    const before = viewer.received().length;
    expect((await fix('demo-zhouquan-01', Date.now() - 10_000)).status).toBe(200);
    expect((await fix('demo-yuyue-01', Date.now() - 5_000)).status).toBe(200);
    await eventually(
      () =>
        viewer
          .received()
          .slice(before)
          .some((p) => p.unitId === 'yuyue-car-01'),
      5_000,
      '德清',
    );
    expect(
      viewer
        .received()
        .slice(before)
        .map((p) => p.stationId),
    ).toEqual(['deqing-yuyue']);
  });
});

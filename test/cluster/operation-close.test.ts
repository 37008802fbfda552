import { describe, expect, it } from 'vitest';
import { CAR, send, storedAlerts } from '../alerts/alert-helpers.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { DEMO_OP } from '../helpers/server.ts';
import { connectClient, eventually } from '../helpers/sync-client.ts';
import { startPair } from './live-pair.ts';

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
});

import { describe, expect, it } from 'vitest';
import { alertViewer, CAR, send, storedAlerts } from '../alerts/alert-helpers.ts';
import { eventually } from '../live/live-helpers.ts';
import { startPair } from './live-pair.ts';

describe('alerts over two instances', () => {
  it('an SOS ingested on instance A is stored once and reaches the viewers of both instances through the socket.io adapter', async (t) => {
    const { a, b } = await startPair(t, { ingestRatePerSecond: 1000, ingestRateBurst: 1000, alertCheckMs: 3600_000 });
    const onA = await alertViewer(t, a, 'wall');
    const onB = await alertViewer(t, b, 'wall');
    await eventually(() => onA.alerts.length > 0 && onB.alerts.length > 0, 5_000, 'full alert lists');
    await send(a, CAR.deviceId, [{ time: Date.now() - 1_000, at: [120.3, 30.5], alarm: 'sos' }]);
    await Promise.all([a.alerts.whenIdle(), b.alerts.whenIdle()]);
    // Both instances evaluate the fix (B through the relay); the store keeps the first, and only the
    // instance that stored it broadcasts, to the sockets of every instance.
    const stored = (await storedAlerts(a)).filter((x) => x.kind === 'sos');
    expect(stored).toHaveLength(1);
    const got = (v: typeof onA) => v.alerts.filter((m) => !m.full).flatMap((m) => m.alerts.map((x) => x.id));
    await eventually(() => got(onA).includes(stored[0]!.id) && got(onB).includes(stored[0]!.id), 5_000, 'SOS on both');
  });
});

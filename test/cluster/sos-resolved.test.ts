import { describe, expect, it } from 'vitest';
import { unitKey } from '@jointmap/shared';
import { alertViewer, CAR, FOOT, offset, send, storedAlerts } from '../alerts/alert-helpers.ts';
import { addTracker, noFix, resolveSos } from '../alerts/sos-reports.test-support.ts';
import { eventually } from '../live/live-helpers.ts';
import { startPair } from './live-pair.ts';

describe('an SOS resolved on one instance, over two instances', () => {
  it('B, where the silent phone pressed again reports, reads the resolve from the store and raises the second SOS', async (t) => {
    const { a, b } = await startPair(t, { ingestRatePerSecond: 1000, ingestRateBurst: 1000, alertCheckMs: 3600_000 });
    const phone = 'demo-yuyue-01-phone';
    await addTracker(a, phone, CAR);
    const t0 = Date.now() - 5 * 60_000;
    await send(a, CAR.deviceId, [{ time: t0, at: offset(0, 0) }]);
    await noFix(a, t0 + 10_000, true, phone);
    // Once B shows a fix sent after it, B has heard the alarm (Redis keeps A's order).
    const onB = await alertViewer(t, b, 'commander');
    await send(a, FOOT.deviceId, [{ time: t0 + 15_000, at: offset(50, 0) }]);
    await eventually(() => onB.latest.has(unitKey(FOOT.stationId, FOOT.unitId)), 5_000, "B's relayed fix");
    await resolveSos(a, t0 + 10_000);
    // A's engine (which ends the press at once) stops: only B's can raise what follows.
    await a.alerts.close();
    await noFix(b, t0 + 60_000, true, phone);
    await Promise.all([a.alerts.whenIdle(), b.alerts.whenIdle()]);
    const sos = (await storedAlerts(a)).filter((x) => x.kind === 'sos').map((x) => [x.time, x.state]);
    expect(sos).toEqual([
      [t0 + 10_000, 'resolved'],
      [t0 + 60_000, 'open'],
    ]);
  });
});

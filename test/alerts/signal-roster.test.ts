import { describe, expect, it } from 'vitest';
import type { Alert } from '@jointmap/shared';
import { AlertService } from '@jointmap/server/alerts/alert-service';
import { toUnitPosition } from '@jointmap/server/live/live-service';
import { createMetrics } from '@jointmap/server/metrics';
import type { TestServer, Teardown } from '../helpers/server.ts';
import { CAR, FOOT, offset, putRules, rule, send, startAlertServer, storedAlerts } from './alert-helpers.ts';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;

/** "10 分钟无定位" for every unit of the operation, added by the commander. */
const lost10 = () => rule('command', { id: 'lost-10', name: '10 分钟无定位', type: 'signal', noFixMinutes: 10 });

/** A tracker of 禹越 left registered for a car that is on no roster any more (retired, or of an earlier operation). */
const RETIRED = { deviceId: 'retired-tracker-09', unitId: 'retired-car-09', stationId: 'deqing-yuyue' } as const;

async function registerRetired(server: TestServer): Promise<void> {
  await server.ctx.storage.upsertDevice({
    id: RETIRED.deviceId,
    stationId: RETIRED.stationId,
    unitId: RETIRED.unitId,
    label: '旧车载终端',
    createdAt: Date.now() - 60 * DAY,
  });
}

/**
 * A second alert engine over the server's own storage and documents, on a clock the test moves
 * (signal loss is judged against the server clock, minutes after the rule is added). It reads the
 * units' latest positions from storage, as the live service does at start.
 */
async function engineWithClock(t: Teardown, server: TestServer) {
  const latest = (await server.ctx.storage.latestPositions()).map(toUnitPosition);
  const raised: Alert[] = [];
  const errors: string[] = [];
  const clock = { now: Date.now() };
  const engine = new AlertService({
    storage: server.ctx.storage,
    rooms: server.ctx.rooms,
    live: {
      onFix: () => () => undefined,
      snapshot: (stations) => latest.filter((p) => stations.includes(p.stationId)),
    },
    registry: createMetrics().registry,
    settings: { marginM: 15, minDurationMs: 10_000, stopRadiusM: 30 },
    checkMs: 3_600_000,
    replayMs: 60 * MIN,
    emit: (_op, msg) => void raised.push(...msg.alerts),
    log: { error: (_o: unknown, m: string) => void errors.push(m), warn: () => undefined } as never,
    now: () => clock.now,
  });
  t.onTestFinished(() => engine.close());
  await engine.start();
  await engine.whenIdle();
  /** Check every unit for signal loss at `now`; resolves with every alert raised so far. */
  const checkAt = async (now: number) => {
    clock.now = now;
    engine.checkSignals();
    await engine.whenIdle();
    return raised;
  };
  return { checkAt, errors };
}

describe('signal loss judges the roster of the operation, from when the rule watches it', () => {
  it('a rule added to the operation raises nothing for units silent for days nor for trackers off the roster; a roster unit that goes silent after it does', async (t) => {
    const server = await startAlertServer(t, { alertCheckMs: 100 });
    await registerRetired(server);
    const daysAgo = Date.now() - 3 * DAY;
    await send(server, CAR.deviceId, [{ time: daysAgo, at: offset(0, 0) }]);
    await send(server, RETIRED.deviceId, [{ time: daysAgo, at: offset(50, 0) }]);
    await putRules(server, 'command', [lost10()]);
    // After the rule: a fix of the retired tracker and one of 禹越步巡02, both a quarter of an hour old.
    const footLast = Date.now() - 15 * MIN;
    await send(server, RETIRED.deviceId, [{ time: footLast, at: offset(50, 0) }]);
    await send(server, FOOT.deviceId, [{ time: footLast, at: offset(100, 0) }]);
    for (let waited = 0; waited < 5_000 && !(await storedAlerts(server)).length; waited += 50)
      await new Promise((r) => setTimeout(r, 50));
    // Many more timer rounds (every 100 ms).
    await new Promise((r) => setTimeout(r, 600));
    const alerts = await storedAlerts(server);
    expect(alerts.map((a) => [a.kind, a.unitId, a.ruleId, a.time])).toEqual([
      ['signal_loss', FOOT.unitId, 'lost-10', footLast + 10 * MIN],
    ]);
  });

  it('a roster unit silent for days before the rule raises one alert, dated the rule’s start plus its limit; a tracker off the roster none', async (t) => {
    const server = await startAlertServer(t);
    await registerRetired(server);
    const daysAgo = Date.now() - 3 * DAY;
    await send(server, CAR.deviceId, [{ time: daysAgo, at: offset(0, 0) }]);
    await send(server, RETIRED.deviceId, [{ time: daysAgo, at: offset(50, 0) }]);
    const added = Date.now();
    await putRules(server, 'command', [lost10()]);
    const stored = Date.now();

    const { checkAt, errors } = await engineWithClock(t, server);
    expect(await checkAt(added + 10 * MIN - 1_000)).toEqual([]);
    const raised = await checkAt(stored + 10 * MIN);
    expect(raised.map((a) => [a.kind, a.unitId, a.ruleId])).toEqual([['signal_loss', CAR.unitId, 'lost-10']]);
    expect(raised[0]!.time).toBeGreaterThanOrEqual(added + 10 * MIN);
    expect(raised[0]!.time).toBeLessThanOrEqual(stored + 10 * MIN);
    // A day on: still that one alert (one per silence), and it is the one stored.
    expect(await checkAt(stored + DAY)).toHaveLength(1);
    expect((await storedAlerts(server)).map((a) => a.id)).toEqual([raised[0]!.id]);
    expect(errors).toEqual([]);
  });
});

import { afterEach, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { Alert } from '@jointmap/shared';
import { liveOnSqlite, NOW, STATION } from '../live/live-ingest.test-support.ts';
import { isPositionless, LocalRelay, type RelayedFix } from '../live/relay.ts';
import { AlertService, type AlertServiceOptions } from './alert-service.ts';
import { failingOptions } from './alert-test-doubles.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** The in-process relay, counting what is published on it (what would cost a Redis message each). */
class CountingRelay extends LocalRelay {
  readonly published: RelayedFix[] = [];
  override publish(pos: RelayedFix): void {
    this.published.push(pos);
    super.publish(pos);
  }
}

/**
 * A live service with trackers `car` and `phone` on unit `car-1`, and an alert engine following
 * operation `op-1` on its station, whose load is held until `release()`.
 */
async function setup() {
  const relay = new CountingRelay();
  const ingest = await liveOnSqlite({ devices: ['car', 'phone'], relay });
  cleanups.push(ingest.close);
  let release!: () => void;
  const loaded = new Promise<void>((r) => (release = r));
  let loading = false;
  const op = { id: 'op-1', status: 'active', stations: [STATION], createdAt: 0 };
  const stored: Alert[] = [];
  const alerts = new AlertService({
    ...failingOptions(0).options,
    storage: {
      listOperations: async () => [op],
      getOperation: async () => op,
      // The replay reads the stored alerts first: the load is held there.
      listAlerts: async () => {
        loading = true;
        await loaded;
        return stored.toReversed();
      },
      track: async () => [],
      insertAlert: async (a: Alert) => (stored.push(a), true),
      endSosPress: async () => true,
    } as unknown as AlertServiceOptions['storage'],
    rooms: { get: async () => ({ doc: new Y.Doc() }) as never },
    live: ingest.live,
  });
  cleanups.unshift(() => alerts.close());
  await alerts.start();
  while (!loading) await new Promise((r) => setTimeout(r, 5));
  /** A heartbeat of `deviceId` (`s` seconds after NOW), or with `alarm` its report without a position. */
  const beat = (deviceId: string, s: number, alarm = false) =>
    ingest.send(deviceId, { timestamp: String(NOW / 1000 + s), ...(alarm ? { alarm: 'sos' } : {}) });
  /** The heartbeats published so far, as [device, seconds after NOW]. */
  const relayed = () =>
    relay.published.flatMap((m) =>
      isPositionless(m) && m.alarm === null ? [[m.deviceId, (m.time - NOW) / 1000]] : [],
    );
  return { alerts, beat, relayed, release, stored };
}

it('a heartbeat is relayed only while it may end a press: an operation loading, or its device holding one', async () => {
  const { alerts, beat, relayed, release, stored } = await setup();
  // The operation loads: the state of its units is not known yet.
  await beat('phone', -60);
  release();
  await alerts.whenIdle();
  // Loaded, no press held: a heartbeat costs no message.
  await beat('phone', -50);
  await beat('car', -50);
  expect(relayed()).toEqual([['phone', -60]]);
  // The phone presses SOS without a lock: only its own heartbeat may end that press.
  await beat('phone', -40, true);
  await beat('car', -30);
  await beat('phone', -20);
  await alerts.whenIdle();
  expect(relayed()).toEqual([
    ['phone', -60],
    ['phone', -20],
  ]);
  // Ended by it: the next heartbeat is not relayed, and the next press is a new SOS.
  await beat('phone', -10);
  await beat('phone', -5, true);
  await alerts.whenIdle();
  expect(relayed()).toHaveLength(2);
  expect(stored.map((a) => a.time - NOW)).toEqual([-40_000, -5_000]);
  // An engine shutting down wants none.
  await alerts.close();
  await beat('phone', 0);
  expect(relayed()).toHaveLength(2);
});

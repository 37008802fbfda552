import { afterEach, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { Alert } from '@jointmap/shared';
import type { AlertFilter } from '../storage/types.ts';
import type { PositionlessReport } from '../live/relay.ts';
import { AlertService, RESOLVED_READ_MS, type AlertServiceOptions } from './alert-service.ts';
import { failingOptions } from './alert-test-doubles.ts';

const T0 = 1_764_500_000_000;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/**
 * An engine following operation `op-1` (station `st-1`, no rules) over an alert store in memory
 * (`stored`, newest last) holding `seed` at start; `reads` are the lists asked of it after the
 * load, `send` passes a report of `car-1`'s device `dev-1` without a position, and `clock` is the
 * engine's server clock.
 */
async function engine(seed: Alert[] = []) {
  const op = { id: 'op-1', status: 'active', stations: ['st-1'] };
  const stored = [...seed];
  const reads: AlertFilter[] = [];
  let loaded = false;
  let onReport!: (r: PositionlessReport) => void;
  const clock = { now: T0 };
  const alerts = new AlertService({
    ...failingOptions(0).options,
    now: () => clock.now,
    storage: {
      listOperations: async () => [op],
      getOperation: async () => op,
      listAlerts: async (_op: string, f: AlertFilter) => {
        if (loaded) reads.push(f);
        return stored
          .filter((a) => (!f.kind || a.kind === f.kind) && (!f.unitId || a.unitId === f.unitId))
          .sort((x, y) => y.time - x.time)
          .slice(0, f.limit);
      },
      track: async () => [],
      insertAlert: async (a: Alert) => (stored.push(a), true),
      endSosPress: async (_op: string, id: string, endedAt: number) => {
        const a = stored.find((x) => x.id === id)!;
        a.evidence = { ...a.evidence, pressEndedAt: endedAt };
      },
    } as unknown as AlertServiceOptions['storage'],
    rooms: { get: async () => ({ doc: new Y.Doc() }) as never },
    live: {
      onFix: () => () => undefined,
      onPositionless: (f: (r: PositionlessReport) => void) => ((onReport = f), () => undefined),
      snapshot: () => [],
    } as unknown as AlertServiceOptions['live'],
  });
  cleanups.push(() => alerts.close());
  await alerts.start();
  await alerts.whenIdle();
  loaded = true;
  const send = async (time: number, alarm: string | null = 'sos') => {
    onReport({
      positionless: true,
      unitId: 'car-1',
      stationId: 'st-1',
      deviceId: 'dev-1',
      time,
      receivedAt: time,
      alarm,
    });
    await alerts.whenIdle();
  };
  const sos = () => stored.filter((a) => a.kind === 'sos').map((a) => a.time);
  return { alerts, stored, reads, send, sos, clock };
}

/** Mark `a` resolved in the store, as a commander on another instance would. */
const resolved = (a: Alert): Alert => Object.assign(a, { state: 'resolved' as const });

it('resolved on another instance: an alarm older than the next press raised after it raises no third SOS', async () => {
  const { stored, send, sos } = await engine();
  await send(T0);
  resolved(stored[0]!);
  await send(T0 + 100_000);
  expect(sos()).toEqual([T0, T0 + 100_000]);
  // An alarm from between the two, arriving late: it belongs to the first press or the second.
  await send(T0 + 99_000);
  await send(T0 + 101_000);
  expect(sos()).toEqual([T0, T0 + 100_000]);
});

it('a held press is read from the store at most once every few seconds, a few alerts at a time', async () => {
  const { reads, send, sos, clock } = await engine();
  await send(T0);
  reads.length = 0;
  // A tracker repeating its alarm once a second for ten seconds: read at its first and sixth.
  for (let s = 1; s <= 10; s++) {
    clock.now = T0 + s * 1_000;
    await send(T0 + s * 1_000);
  }
  expect(reads.map((f) => f.limit)).toEqual([20, 20]);
  clock.now = T0 + 6_000 + RESOLVED_READ_MS;
  await send(T0 + 11_000);
  expect(reads).toHaveLength(3);
  expect(sos()).toEqual([T0]);
});

it('resolved on this instance: the press ends at once, the next alarm is an SOS without a read', async () => {
  const { alerts, stored, reads, send, sos } = await engine();
  await send(T0);
  reads.length = 0;
  alerts.changed(resolved(stored[0]!));
  await send(T0 + 1_000);
  expect(sos()).toEqual([T0, T0 + 1_000]);
  expect(reads).toEqual([]);
});

it("one report ending its device's press and one of no known device records the end on both alerts", async () => {
  const held = (id: string, time: number, deviceId?: string): Alert =>
    ({
      id,
      operationId: 'op-1',
      stationId: 'st-1',
      unitId: 'car-1',
      kind: 'sos',
      rule: null,
      episode: time,
      time,
      lngLat: [0, 0],
      evidence: { alarm: 'sos', position: 'none', ...(deviceId ? { deviceId } : {}) },
      state: 'open',
    }) as unknown as Alert;
  const { stored, send, sos } = await engine([held('before-upgrade', T0), held('own', T0 + 1_000, 'dev-1')]);
  await send(T0 + 2_000, null);
  expect(stored.map((a) => [a.id, a.evidence.pressEndedAt])).toEqual([
    ['before-upgrade', T0 + 2_000],
    ['own', T0 + 2_000],
  ]);
  expect(sos()).toEqual([T0, T0 + 1_000]);
});

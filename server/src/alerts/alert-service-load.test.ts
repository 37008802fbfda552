import { afterEach, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import type { UnitPosition } from '@jointmap/shared';
import { AlertService, type AlertServiceOptions } from './alert-service.ts';
import { carInside, commandDoc, failingOptions } from './alert-test-doubles.ts';

afterEach(() => void vi.useRealTimers());

it('an operation whose documents could not be read is read again, so its rules are followed after all', async () => {
  const errors: string[] = [];
  const { options, rules } = failingOptions(1, errors);
  const alerts = new AlertService(options);
  await alerts.start();
  for (let waited = 0; waited < 2_000 && (await rules()) === 0; waited += 20)
    await new Promise((r) => setTimeout(r, 20));
  await alerts.close();
  expect(errors).toHaveLength(1);
  expect(await rules()).toBe(1);
});

it('storage that stays away is read again less and less often: the wait doubles after each failure', async () => {
  vi.useFakeTimers({ toFake: ['setTimeout'] });
  const { options, state, rules } = failingOptions(3);
  const alerts = new AlertService(options);
  await alerts.start();
  await vi.advanceTimersByTimeAsync(0);
  expect(state.reads).toBe(1);
  // 20 ms after the first failure, then 40, then 80: each retry comes only once its wait is over.
  for (const wait of [20, 40, 80]) {
    const before = state.reads;
    await vi.advanceTimersByTimeAsync(wait - 1);
    expect(state.reads).toBe(before);
    await vi.advanceTimersByTimeAsync(1);
    // The last one succeeds: a document holding rules is read again after their times are read.
    expect(state.reads).toBe(before + (wait === 80 ? 2 : 1));
  }
  await alerts.whenIdle();
  expect(await rules()).toBe(1);
  await alerts.close();
});

/**
 * An engine loading operation `op-1` (one zone-less command document, station `st-1`), held in its
 * replay until `release()`. `fire` is a fix as the live service passes it on: stored first (the
 * replay's track holds it) unless `stored: false` (stored only after the replay read the track).
 */
async function heldLoad(opts: { zoneAtLoad?: boolean; onFirstTrackRead?: () => void } = {}) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let replaying = false;
  const raised: Array<{ kind: string; time: number }> = [];
  const op = { id: 'op-1', status: 'active', stations: ['st-1'] };
  const command = opts.zoneAtLoad ? commandDoc() : new Y.Doc();
  const stored: UnitPosition[] = [];
  let pass!: (pos: UnitPosition) => void;
  const alerts = new AlertService({
    ...failingOptions(0).options,
    storage: {
      listOperations: async () => [op],
      getOperation: async () => op,
      // The replay reads the stored alerts first: the load is held there.
      listAlerts: async () => {
        replaying = true;
        await gate;
        return [];
      },
      track: async (_station: string, _unit: string, from: number, to: number) => {
        const first = opts.onFirstTrackRead;
        opts.onFirstTrackRead = undefined;
        // Let the engine read the change before this read answers.
        if (first) {
          first();
          await new Promise((r) => setTimeout(r, 20));
        }
        return stored
          .filter((f) => f.time >= from && f.time <= to)
          .map((f) => ({ ...f, lng: f.lngLat[0], lat: f.lngLat[1], speed: f.speedMps }));
      },
      insertAlert: async (a: { kind: string; time: number }) => {
        raised.push(a);
        return true;
      },
    } as unknown as AlertServiceOptions['storage'],
    rooms: { get: async (name: string) => ({ doc: name === 'op-1/command' ? command : new Y.Doc() }) as never },
    live: {
      onFix: (cb) => {
        pass = cb;
        return () => undefined;
      },
      snapshot: () => stored.slice(-1),
    },
  });
  await alerts.start();
  while (!replaying) await new Promise((r) => setTimeout(r, 5));
  const t0 = Date.now();
  const fire = async (time: number, { stored: inTrack = true, receivedAt = Date.now() } = {}) => {
    const pos = carInside(t0 + time, receivedAt);
    if (inTrack) stored.push(pos);
    pass(pos);
    await new Promise((r) => setTimeout(r, 5));
  };
  const drawZone = async () => {
    command.getMap('rules').set('zone-1', commandDoc().getMap('rules').get('zone-1'));
    alerts.onCommitted(
      { operationId: 'op-1', scope: 'command', kind: 'command', name: 'op-1/command' },
      new Set(['rules']),
    );
    await new Promise((r) => setTimeout(r, 5));
  };
  const done = async () => {
    release();
    await alerts.whenIdle();
    await alerts.close();
    return raised.map((a) => [a.kind, a.time - t0]);
  };
  /** The zone now watches car-1 by name: re-armed, as when a dispatcher narrows it. */
  const rearm = () => {
    const zone = command.getMap('rules').get('zone-1') as Record<string, unknown>;
    command.getMap('rules').set('zone-1', { ...zone, units: [{ stationId: 'st-1', unitId: 'car-1' }] });
    alerts.onCommitted(
      { operationId: 'op-1', scope: 'command', kind: 'command', name: 'op-1/command' },
      new Set(['rules']),
    );
  };
  return { fire, drawZone, rearm, done };
}

it('a zone drawn while an operation loads judges the fixes received after it, not those before, in the replay, as after a restart', async () => {
  const { fire, drawZone, done } = await heldLoad();
  await fire(-10_000); // inside before the zone is drawn
  await drawZone();
  await fire(-5_000); // still inside, now that it is drawn
  expect(await done()).toEqual([['zone_enter', -5_000]]);
});

it('a held fix received before the zone was drawn, not yet in the replayed track, is not judged by it, as after a restart', async () => {
  const { fire, drawZone, done } = await heldLoad();
  await fire(-10_000, { stored: false });
  await drawZone();
  expect(await done()).toEqual([]);
});

it('a held fix received after the zone was drawn, not yet in the replayed track, is judged by it', async () => {
  const { fire, drawZone, done } = await heldLoad();
  await drawZone();
  await fire(-10_000, { stored: false });
  expect(await done()).toEqual([['zone_enter', -10_000]]);
});

it('a zone re-armed while the replay reads a unit’s older track starts afresh: the stay it seeded is dropped', async () => {
  let rearmNow = () => undefined as void;
  const held = await heldLoad({ zoneAtLoad: true, onFirstTrackRead: () => rearmNow() });
  rearmNow = held.rearm;
  // Parked inside before the replay window (seeded "inside"), long received; the replay is held.
  await held.fire(-120_000, { receivedAt: Date.now() - 120_000 });
  // Reported on after the zone was re-armed (held): a restart would see an enter here.
  const done = held.done();
  await new Promise((r) => setTimeout(r, 10));
  await held.fire(-1_000, { stored: false });
  expect(await done).toEqual([['zone_enter', -1_000]]);
});

it('a fix that comes in while a zone just drawn is read waits for it and is judged by it, as after a restart', async () => {
  const op = { id: 'op-1', status: 'active', stations: ['st-1'] };
  const command = new Y.Doc();
  const raised: Array<{ kind: string; time: number }> = [];
  let readGate: Promise<void> | null = null;
  let openRead!: () => void;
  let pass!: (pos: UnitPosition) => void;
  const alerts = new AlertService({
    ...failingOptions(0).options,
    storage: {
      listOperations: async () => [op],
      getOperation: async () => op,
      listAlerts: async () => [],
      track: async () => [],
      insertAlert: async (a: { kind: string; time: number }) => {
        raised.push(a);
        return true;
      },
    } as unknown as AlertServiceOptions['storage'],
    rooms: {
      // After the load, a read of the command document is slow (a busy server) until opened.
      get: async (name: string) => {
        if (readGate && name === 'op-1/command') await readGate;
        return { doc: name === 'op-1/command' ? command : new Y.Doc() } as never;
      },
    },
    live: {
      onFix: (cb) => {
        pass = cb;
        return () => undefined;
      },
      snapshot: () => [],
    },
  });
  await alerts.start();
  await alerts.whenIdle();
  const t0 = Date.now();
  const fire = (time: number) => pass(carInside(t0 + time, Date.now()));

  readGate = new Promise<void>((r) => (openRead = r));
  command.getMap('rules').set('zone-1', commandDoc().getMap('rules').get('zone-1'));
  alerts.onCommitted(
    { operationId: 'op-1', scope: 'command', kind: 'command', name: 'op-1/command' },
    new Set(['rules']),
  );
  await new Promise((r) => setTimeout(r, 5));
  // Parked inside, reporting while the zone's commit is still being read.
  fire(1_000);
  await new Promise((r) => setTimeout(r, 5));
  openRead();
  await alerts.whenIdle();
  fire(2_000);
  await alerts.whenIdle();
  await alerts.close();
  // A restart judges the first fix by the zone (it came in after the zone was stored): so does the live engine.
  expect(raised.map((a) => [a.kind, a.time - t0])).toEqual([['zone_enter', 1_000]]);
});

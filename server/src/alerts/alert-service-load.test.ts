import { Registry } from 'prom-client';
import { afterEach, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { fixtures } from '@jointmap/shared/fixtures/records';
import type { UnitPosition } from '@jointmap/shared';
import { AlertService, type AlertServiceOptions } from './alert-service.ts';

const ring = [
  [120.29, 30.49],
  [120.31, 30.49],
  [120.31, 30.51],
  [120.29, 30.49],
];

/** The command document of an operation with one restricted zone. */
function commandDoc(): Y.Doc {
  const doc = new Y.Doc();
  doc.getMap('rules').set('zone-1', {
    ...fixtures.ruleCommon('zone-1', { name: '禁入区', updatedAt: 1 }),
    type: 'zone',
    polygon: { type: 'Polygon', coordinates: [ring] },
    trigger: 'enter',
  });
  return doc;
}

/** Options whose room reads fail `failures` times, then give the command document; `reads` counts them. */
function failingOptions(failures: number, errors: string[] = []) {
  const registry = new Registry();
  const state = { reads: 0 };
  const options: AlertServiceOptions = {
    storage: {
      listOperations: async () => [{ id: 'op-1', status: 'active', stations: [] }],
      getOperation: async () => ({ id: 'op-1', status: 'active', stations: [] }),
    } as unknown as AlertServiceOptions['storage'],
    rooms: {
      get: async () => {
        state.reads++;
        if (failures-- > 0) throw new Error('storage unavailable');
        return { doc: commandDoc() } as never;
      },
    },
    live: { onFix: () => () => undefined, snapshot: () => [] },
    registry,
    settings: { marginM: 0, minDurationMs: 0, stopRadiusM: 50 },
    checkMs: 3_600_000,
    replayMs: 60_000,
    emit: () => undefined,
    log: {
      error: (_o: unknown, m: string) => void errors.push(m),
      warn: () => undefined,
    } as unknown as AlertServiceOptions['log'],
    loadRetryMs: 20,
  };
  const rules = async () => (await registry.getSingleMetric('jointmap_alert_rules')!.get()).values[0]?.value ?? 0;
  return { options, state, rules };
}

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
    expect(state.reads).toBe(before + 1);
  }
  await alerts.whenIdle();
  expect(await rules()).toBe(1);
  await alerts.close();
});

it('a rule written while an operation loads judges the fixes received after it, not those before, live and in the replay, as after a restart', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let replaying = false;
  const raised: Array<{ kind: string; time: number }> = [];
  const op = { id: 'op-1', status: 'active', stations: ['st-1'] };
  const command = new Y.Doc();
  // The live service stores each fix before it passes it on: the replay's track holds it too.
  const stored: UnitPosition[] = [];
  let fire!: (pos: UnitPosition) => void;
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
      track: async (_station: string, _unit: string, from: number, to: number) =>
        stored
          .filter((f) => f.time >= from && f.time <= to)
          .map((f) => ({ ...f, lng: f.lngLat[0], lat: f.lngLat[1], speed: f.speedMps })),
      insertAlert: async (a: { kind: string; time: number }) => {
        raised.push(a);
        return true;
      },
    } as unknown as AlertServiceOptions['storage'],
    rooms: { get: async (name: string) => ({ doc: name === 'op-1/command' ? command : new Y.Doc() }) as never },
    live: {
      onFix: (cb) => {
        fire = (pos) => {
          stored.push(pos);
          cb(pos);
        };
        return () => undefined;
      },
      snapshot: () => stored.slice(-1),
    },
  });
  await alerts.start();
  while (!replaying) await new Promise((r) => setTimeout(r, 5));
  const t0 = Date.now();
  const fix = (time: number): UnitPosition => ({
    unitId: 'car-1',
    stationId: 'st-1',
    deviceId: 'dev-1',
    lngLat: [120.305, 30.495],
    time,
    receivedAt: Date.now(),
    speedMps: 0,
    bearing: null,
    altitude: null,
    accuracy: null,
    battery: null,
    alarm: null,
  });
  fire(fix(t0 - 10_000)); // inside the zone before it is drawn
  await new Promise((r) => setTimeout(r, 5));
  command.getMap('rules').set('zone-1', commandDoc().getMap('rules').get('zone-1'));
  alerts.onCommitted(
    { operationId: 'op-1', scope: 'command', kind: 'command', name: 'op-1/command' },
    new Set(['rules']),
  );
  await new Promise((r) => setTimeout(r, 5));
  fire(fix(t0 - 5_000)); // still inside, now that it is drawn
  release();
  await alerts.whenIdle();
  await alerts.close();
  expect(raised.map((a) => [a.kind, a.time])).toEqual([['zone_enter', t0 - 5_000]]);
});

import { Registry } from 'prom-client';
import * as Y from 'yjs';
import type { UnitPosition } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import type { AlertServiceOptions } from './alert-service.ts';

export const ring = [
  [120.29, 30.49],
  [120.31, 30.49],
  [120.31, 30.51],
  [120.29, 30.49],
];

/** A fix of station st-1's car-1, parked inside the zone of {@link commandDoc}. */
export function carInside(time: number, receivedAt: number): UnitPosition {
  return {
    unitId: 'car-1',
    stationId: 'st-1',
    deviceId: 'dev-1',
    lngLat: [120.305, 30.495],
    time,
    receivedAt,
    speedMps: 0,
    bearing: null,
    altitude: null,
    accuracy: null,
    battery: null,
    alarm: null,
  };
}

/** The command document of an operation with one restricted zone. */
export function commandDoc(): Y.Doc {
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
export function failingOptions(failures: number, errors: string[] = []) {
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

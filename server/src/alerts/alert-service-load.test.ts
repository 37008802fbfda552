import { Registry } from 'prom-client';
import { expect, it } from 'vitest';
import * as Y from 'yjs';
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
    id: 'zone-1',
    type: 'zone',
    stationId: 'command',
    name: '禁入区',
    enabled: true,
    unitKinds: [],
    units: [],
    activeHours: null,
    note: '',
    createdBy: 'u-commander',
    updatedAt: 1,
    polygon: { type: 'Polygon', coordinates: [ring] },
    trigger: 'enter',
  });
  return doc;
}

it('an operation whose documents could not be read is read again, so its rules are followed after all', async () => {
  let failures = 1;
  const errors: string[] = [];
  const registry = new Registry();
  const options: AlertServiceOptions = {
    storage: {
      listOperations: async () => [{ id: 'op-1', status: 'active', stations: [] }],
      getOperation: async () => ({ id: 'op-1', status: 'active', stations: [] }),
    } as unknown as AlertServiceOptions['storage'],
    rooms: {
      get: async () => {
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
  const alerts = new AlertService(options);
  await alerts.start();
  const rules = async () => (await registry.getSingleMetric('jointmap_alert_rules')!.get()).values[0]?.value ?? 0;
  for (let waited = 0; waited < 2_000 && (await rules()) === 0; waited += 20)
    await new Promise((r) => setTimeout(r, 20));
  await alerts.close();
  expect(errors).toHaveLength(1);
  expect(await rules()).toBe(1);
});

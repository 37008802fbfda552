import { describe, expect, test } from 'vitest';
import { explainEntry, type UnitPosition } from '@jointmap/shared';
import { RuleIndex } from '../alerts/rule-index.ts';
import { evaluateFix, newUnitState } from '../alerts/unit-evaluator.ts';
import { HAZMAT_DEVICE_ID, HAZMAT_UNIT_ID, hazmatLngLat, hazmatRules } from './hazmat-demo.ts';
import { HAZMAT_LOOP, LegPlayer } from './hazmat-route.ts';

const settings = { marginM: 15, minDurationMs: 10_000, stopRadiusM: 30 };

describe('the demo hazardous-goods truck', () => {
  test('its rules are valid records of the documents that hold them', () => {
    const { stationRules, zone } = hazmatRules(1_700_000_000_000);
    for (const r of stationRules) expect(explainEntry('station', 'rules', r.id, r, 'linping-yunhe')).toBeNull();
    expect(explainEntry('command', 'rules', zone.id, zone)).toBeNull();
  });

  test('one loop of its drive breaks each rule exactly once, within the first ten minutes', () => {
    const { stationRules, zone } = hazmatRules(0);
    const index = new RuleIndex(settings.marginM);
    index.sync('linping-yunhe', new Map(stationRules.map((r) => [r.id, r])));
    index.sync('command', new Map([[zone.id, zone]]));
    const state = newUnitState('linping-yunhe', HAZMAT_UNIT_ID);
    const player = new LegPlayer(HAZMAT_LOOP);
    const seen: Array<[string, number]> = [];
    const t0 = 1_764_500_000_000;
    // Two loops: the second raises the same kinds again, as a new episode each.
    for (let s = 0; s < 2 * 20 * 60; s++) {
      const { at, kmh } = player.tick();
      const pos: UnitPosition = {
        unitId: HAZMAT_UNIT_ID,
        stationId: 'linping-yunhe',
        deviceId: HAZMAT_DEVICE_ID,
        lngLat: hazmatLngLat(at),
        time: t0 + s * 1000,
        receivedAt: t0 + s * 1000,
        speedMps: kmh / 3.6,
        bearing: null,
        altitude: null,
        accuracy: 6,
        battery: 90,
        alarm: null,
      };
      for (const d of evaluateFix(index, settings, state, pos, 'car')) seen.push([d.kind, s]);
    }
    const firstLoop = seen.filter(([, s]) => s < seen.find(([k], i) => i > 0 && k === 'overspeed')![1]);
    expect(firstLoop.map(([k]) => k)).toEqual(['overspeed', 'corridor_leave', 'zone_enter', 'long_stop']);
    expect(Math.max(...firstLoop.map(([, s]) => s))).toBeLessThan(10 * 60);
    expect(seen.map(([k]) => k)).toEqual([...firstLoop.map(([k]) => k), ...firstLoop.map(([k]) => k)]);
  });
});

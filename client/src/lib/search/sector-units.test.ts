import { describe, expect, test } from 'vitest';
import type { Change, Unit } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import type { OperationSession } from '../state/operation-session.svelte.ts';
import { dispatchSectorUnits, keysOfSector, pickedIds, pickerUnits, twinChosen } from './sector-units.ts';

const DEQING = 'deqing-yuyue';
const LINPING = 'linping-yunhe';
const NOW = 1_700_000_900_000;
const TASK = 't-search0000';
const twinYy = fixtures.unit({ id: 'twin-01', callsign: '禹越双01', stationId: DEQING });
const twinYh = fixtures.unit({ id: 'twin-01', callsign: '运河双01', stationId: LINPING });
const car = fixtures.unit({ id: 'yuyue-car-01', callsign: '禹越巡01', stationId: DEQING });
const units = [twinYh, car, twinYy];

describe('the sector unit picker with two stations each having unit twin-01', () => {
  test('with a station only its units are listed; with none all, and a chosen id blocks its twin', () => {
    expect(pickerUnits(units, DEQING).map((u) => u.callsign)).toEqual(['禹越双01', '禹越巡01']);
    expect(pickerUnits(units, null).map((u) => `${u.stationId}/${u.id}`)).toEqual([
      'deqing-yuyue/twin-01',
      'deqing-yuyue/yuyue-car-01',
      'linping-yunhe/twin-01',
    ]);
    const chosen = ['deqing-yuyue/twin-01'];
    expect(twinChosen(twinYh, chosen, units)).toBe(twinYy);
    expect(twinChosen(twinYy, chosen, units)).toBeNull();
    expect(twinChosen(car, chosen, units)).toBeNull();
  });

  test('stored ids tick one unit each (the sector’s station’s twin); saving keeps unknown ids and drops units not shown', () => {
    expect(keysOfSector({ assignedStationId: LINPING, assignedUnitIds: ['twin-01'] }, units)).toEqual([
      'linping-yunhe/twin-01',
    ]);
    expect(keysOfSector({ assignedStationId: null, assignedUnitIds: ['twin-01', 'gone-09'] }, units)).toEqual([
      'deqing-yuyue/twin-01',
    ]);
    const chosen = ['deqing-yuyue/twin-01', 'deqing-yuyue/yuyue-car-01'];
    expect(pickedIds(chosen, units, null, ['gone-09'])).toEqual(['twin-01', 'yuyue-car-01', 'gone-09']);
    expect(pickedIds(chosen, units, LINPING, [])).toEqual([]);
  });
});

describe('units given a sector are put on the search’s task', () => {
  function sessionOf(user: { role: string; stationId: string | null }) {
    const writes: Array<{ scope: string; change: Change }> = [];
    const session = {
      user,
      canWrite: (scope: string) => user.role === 'commander' || scope === user.stationId,
      write: (scope: string, change: Change) => void writes.push({ scope, change }),
    } as unknown as OperationSession;
    return { session, writes };
  }
  const units = (w: Array<{ change: Change }>) =>
    w
      .flatMap(({ change }) => (change.type === 'batch' ? change.changes : [change]))
      .map((c) => c.type === 'put' && c.value);

  test('a commander sends every unit, one write per station; one already on the task is left as it is', () => {
    const { session, writes } = sessionOf({ role: 'commander', stationId: null });
    const onTask = fixtures.unit({ id: 'foot-02', stationId: DEQING, status: 'on_scene', assignedTaskId: TASK });
    const elsewhere = { ...twinYh, status: 'en_route' as const, assignedTaskId: 't-other00000' };
    const result = dispatchSectorUnits(session, [car, onTask, elsewhere], TASK, NOW);
    expect(result.sent.map((u) => u.callsign)).toEqual(['禹越巡01', '运河双01']);
    expect(result.refused).toEqual([]);
    expect(writes.map((w) => w.scope)).toEqual([DEQING, LINPING]);
    expect(units(writes)).toEqual([
      { ...car, status: 'en_route', assignedTaskId: TASK, updatedAt: NOW },
      { ...twinYh, status: 'en_route', assignedTaskId: TASK, updatedAt: NOW },
    ]);
  });

  test('a dispatcher sends only its own station’s units and is told about the others and off-duty ones', () => {
    const { session, writes } = sessionOf({ role: 'dispatcher', stationId: DEQING });
    const home: Unit = { ...car, id: 'yuyue-car-04', callsign: '禹越巡04', status: 'off_duty' };
    const result = dispatchSectorUnits(session, [car, twinYh, home], TASK, NOW);
    expect(result.sent.map((u) => u.id)).toEqual(['yuyue-car-01']);
    expect(result.refused.map((r) => [r.unit.callsign, r.block])).toEqual([
      ['运河双01', 'otherStation'],
      ['禹越巡04', 'offDuty'],
    ]);
    expect(writes.map((w) => w.scope)).toEqual([DEQING]);
  });
});

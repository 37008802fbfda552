import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { applyChange, readMap, type Change, type Unit } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { answerChange, NO_TICKS, tick, tickedUnits, type AnswerInput } from './answer.ts';

const task = fixtures.missingPersonTask({ id: 't-abcdefghij' });
const NOW = 1_700_000_100_000;

function roster(): Unit[] {
  return [
    fixtures.unit({ id: 'car-01', callsign: '禹越巡01' }),
    fixtures.unit({ id: 'foot-02', callsign: '禹越步巡02', status: 'en_route', assignedTaskId: task.id }),
    fixtures.unit({ id: 'busy-03', callsign: '禹越巡03', status: 'busy', assignedTaskId: 't-other00000' }),
  ];
}

/** Applies the change to a fresh station document holding the roster; returns its records. */
function apply(change: Change, units = roster()) {
  const doc = new Y.Doc();
  const origin = { source: 'session', sessionId: 's', userId: 'u-deqing' } as const;
  for (const u of units) applyChange(doc, 'station', { type: 'put', map: 'units', key: u.id, value: u }, origin);
  applyChange(doc, 'station', change, origin, 'deqing-yuyue');
  return { responses: readMap(doc, 'responses'), units: readMap<Unit>(doc, 'units') };
}

const input = (overrides: Partial<AnswerInput>): AnswerInput => ({
  task,
  stationId: 'deqing-yuyue',
  status: 'accepted',
  userId: 'u-deqing',
  now: NOW,
  note: '',
  unitIds: [],
  roster: roster(),
  ...overrides,
});

describe('answerChange', () => {
  test('accepting with units: the response names them, they go en route to the task, the unticked one stays on it', () => {
    const out = apply(answerChange(input({ unitIds: ['car-01', 'not-ours'], note: ' 马上到 ' })));
    expect([...out.responses]).toEqual([
      [
        `linping-yunhe:${task.id}`,
        {
          taskId: task.id,
          taskStationId: 'linping-yunhe',
          stationId: 'deqing-yuyue',
          status: 'accepted',
          unitIds: ['car-01'],
          note: '马上到',
          updatedBy: 'u-deqing',
          updatedAt: NOW,
        },
      ],
    ]);
    const [car, foot, busy] = roster();
    expect(Object.fromEntries(out.units)).toEqual({
      'car-01': { ...car, status: 'en_route', assignedTaskId: task.id, updatedAt: NOW },
      'foot-02': foot,
      'busy-03': busy,
    });
  });

  test('on scene marks only the units ticked as arrived; one still on the way stays en route, not released', () => {
    // 禹越巡01 has arrived, 禹越步巡02 is still walking there (both sent by the commander).
    const units = roster().map((u) =>
      u.id === 'car-01' ? { ...u, status: 'en_route' as const, assignedTaskId: task.id } : u,
    );
    const out = apply(answerChange(input({ status: 'on_scene', unitIds: ['car-01'], roster: units })), units);
    expect(out.units.get('car-01')).toMatchObject({ status: 'on_scene', assignedTaskId: task.id, updatedAt: NOW });
    expect(out.units.get('foot-02')).toEqual(units[1]);
    expect(out.responses.get(`linping-yunhe:${task.id}`)).toMatchObject({ status: 'on_scene', unitIds: ['car-01'] });
  });

  test('unticking a unit on the task never releases it with 知悉, 接单 or 到场', () => {
    for (const status of ['acknowledged', 'accepted', 'on_scene'] as const) {
      const out = apply(answerChange(input({ status, unitIds: [] })));
      expect(out.units.get('foot-02'), status).toEqual(roster()[1]);
    }
  });

  test('on scene puts the named units on scene at the task', () => {
    const out = apply(answerChange(input({ status: 'on_scene', unitIds: ['foot-02'] })));
    expect(out.units.get('foot-02')).toEqual({
      ...roster()[1],
      status: 'on_scene',
      assignedTaskId: task.id,
      updatedAt: NOW,
    });
    expect(out.units.get('car-01')).toEqual(roster()[0]);
  });

  test('declining reports no units and writes none; resolving keeps the report; both leave the units to the server', () => {
    const change = answerChange(input({ status: 'declined', note: '警力不足', unitIds: ['foot-02'] }));
    // Only the answer: the server's release (which yields to a concurrent move) frees our unit on it.
    expect(change.type === 'batch' ? change.changes.map((c) => ('map' in c ? c.map : c.type)) : []).toEqual([
      'responses',
    ]);
    const declined = apply(change);
    expect(declined.responses.get(`linping-yunhe:${task.id}`)).toMatchObject({ status: 'declined', unitIds: [] });
    expect(declined.units.get('foot-02')).toEqual(roster()[1]);

    const resolved = apply(answerChange(input({ status: 'resolved', unitIds: ['foot-02'] })));
    expect(resolved.responses.get(`linping-yunhe:${task.id}`)).toMatchObject({
      status: 'resolved',
      unitIds: ['foot-02'],
    });
    // The task ended: the server's release (which yields to a concurrent move) frees the unit.
    expect(resolved.units.get('foot-02')).toEqual(roster()[1]);
    expect(resolved.units.get('busy-03')).toEqual(roster()[2]);
  });

  test('the note written is the one in the box (the form starts from the previous one): emptied, it clears', () => {
    const previous = fixtures.response({ taskId: task.id, note: '已派人', unitIds: ['car-01'] });
    const out = apply(answerChange(input({ status: 'acknowledged', previous, note: '   ', unitIds: ['car-01'] })));
    expect(out.responses.get(`linping-yunhe:${task.id}`)).toMatchObject({ note: '', unitIds: ['car-01'] });
  });

  test('an off-duty unit is neither sent nor reported; one already on the task stays', () => {
    const units = [
      fixtures.unit({ id: 'home-04', callsign: '禹越巡04', status: 'off_duty' }),
      fixtures.unit({ id: 'late-05', callsign: '禹越巡05', status: 'off_duty', assignedTaskId: task.id }),
    ];
    const out = apply(answerChange(input({ unitIds: ['home-04', 'late-05'], roster: units })), units);
    expect(out.responses.get(`linping-yunhe:${task.id}`)).toMatchObject({ unitIds: ['late-05'] });
    expect(out.units.get('home-04')).toEqual(units[0]);
    expect(out.units.get('late-05')).toMatchObject({ status: 'en_route', assignedTaskId: task.id });
  });
});

describe("the answer form's ticks follow the units on the task", () => {
  test('untouched, the ticks are the units on the task now: one the commander sent later is kept, not released', () => {
    // 禹越 answered with 步巡02; then the commander sent 巡01 as well. Answering 到场 keeps both.
    const units = roster().map((u) =>
      u.id === 'car-01' ? { ...u, status: 'en_route' as const, assignedTaskId: task.id } : u,
    );
    const onTask = units.filter((u) => u.assignedTaskId === task.id).map((u) => u.id);
    const picked = tickedUnits(onTask, NO_TICKS);
    expect(picked.sort()).toEqual(['car-01', 'foot-02']);
    const out = apply(answerChange(input({ status: 'on_scene', unitIds: picked, roster: units })), units);
    expect(out.units.get('car-01')).toMatchObject({ status: 'on_scene', assignedTaskId: task.id });
    expect(out.units.get('foot-02')).toMatchObject({ status: 'on_scene', assignedTaskId: task.id });
  });

  test('a unit moved to another task meanwhile is no longer ticked, and answering does not pull it back', () => {
    // 步巡02 was on this task when the form opened; the commander moved it to another task.
    const units = roster().map((u) => (u.id === 'foot-02' ? { ...u, assignedTaskId: 't-other00000' } : u));
    const onTask = units.filter((u) => u.assignedTaskId === task.id).map((u) => u.id);
    const picked = tickedUnits(onTask, NO_TICKS);
    expect(picked).toEqual([]);
    const out = apply(answerChange(input({ status: 'accepted', unitIds: picked, roster: units })), units);
    expect(out.units.get('foot-02')).toMatchObject({ assignedTaskId: 't-other00000' });
  });

  test('what the user ticks or unticks wins over the records, and ticking back undoes it', () => {
    const onTask = ['foot-02'];
    let ticks = tick(NO_TICKS, onTask, 'foot-02', false);
    ticks = tick(ticks, onTask, 'car-01', true);
    expect(tickedUnits(onTask, ticks)).toEqual(['car-01']);
    // The ticked one is sent; the unticked one is left out of the answer but stays on the task.
    const out = apply(answerChange(input({ unitIds: tickedUnits(onTask, ticks) })));
    expect(out.units.get('foot-02')).toEqual(roster()[1]);
    expect(out.units.get('car-01')).toMatchObject({ status: 'en_route', assignedTaskId: task.id });
    ticks = tick(tick(ticks, onTask, 'foot-02', true), onTask, 'car-01', false);
    expect(ticks).toEqual(NO_TICKS);
    expect(tickedUnits(onTask, ticks)).toEqual(['foot-02']);
  });
});

import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { applyChange, readMap, type Change, type Unit } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { answerChange, type AnswerInput } from './answer.ts';

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
  test('accepting with units: the response names them, they go en route to the task, the unticked one is released', () => {
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
      'foot-02': { ...foot, status: 'available', assignedTaskId: null, updatedAt: NOW },
      'busy-03': busy,
    });
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

  test('declining reports no units and releases ours; resolving keeps the report and releases them', () => {
    const declined = apply(answerChange(input({ status: 'declined', note: '警力不足', unitIds: ['foot-02'] })));
    expect(declined.responses.get(`linping-yunhe:${task.id}`)).toMatchObject({ status: 'declined', unitIds: [] });
    expect(declined.units.get('foot-02')).toMatchObject({ status: 'available', assignedTaskId: null });

    const resolved = apply(answerChange(input({ status: 'resolved', unitIds: ['foot-02'] })));
    expect(resolved.responses.get(`linping-yunhe:${task.id}`)).toMatchObject({
      status: 'resolved',
      unitIds: ['foot-02'],
    });
    expect(resolved.units.get('foot-02')).toMatchObject({ status: 'available', assignedTaskId: null });
    expect(resolved.units.get('busy-03')).toEqual(roster()[2]);
  });

  test('the note written is the one in the box (the form starts from the previous one): emptied, it clears', () => {
    const previous = fixtures.response({ taskId: task.id, note: '已派人', unitIds: ['car-01'] });
    const out = apply(answerChange(input({ status: 'acknowledged', previous, note: '   ', unitIds: ['car-01'] })));
    expect(out.responses.get(`linping-yunhe:${task.id}`)).toMatchObject({ note: '', unitIds: ['car-01'] });
  });
});

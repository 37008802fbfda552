import { describe, expect, test } from 'vitest';
import { type AlertRule, ruleActiveAt, ruleWatchesUnit } from './alert-rule.ts';
import { explainEntry } from './index.ts';
import { fixtures } from '../fixtures/records.ts';

const square = {
  type: 'Polygon',
  coordinates: [
    [
      [120.29, 30.49],
      [120.31, 30.49],
      [120.31, 30.51],
      [120.29, 30.51],
      [120.29, 30.49],
    ],
  ],
};

/** A valid rule of each type, fresh per call. */
function rule(type: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const common = fixtures.ruleCommon(`r-${type}`, {
    stationId: 'deqing-yuyue',
    name: '测试规则',
    createdBy: 'u-deqing',
  });
  const byType: Record<string, Record<string, unknown>> = {
    zone: { polygon: square, trigger: 'enter' },
    corridor: {
      line: {
        type: 'LineString',
        coordinates: [
          [120.29, 30.5],
          [120.31, 30.5],
        ],
      },
      widthM: 100,
    },
    speed: { limitKmh: 60, area: null },
    stop: { maxStopMinutes: 15, area: square },
    signal: { noFixMinutes: 5 },
  };
  return { ...common, type, ...byType[type], ...extra };
}

const explain = (value: Record<string, unknown>, docKind: 'station' | 'command' = 'station', scope?: string) =>
  explainEntry(
    docKind,
    'rules',
    value.id as string,
    value,
    docKind === 'station' ? (scope ?? 'deqing-yuyue') : undefined,
  );

describe('alert rule records', () => {
  test.each(['zone', 'corridor', 'speed', 'stop', 'signal'])(
    'a good %s rule passes in its station document',
    (type) => {
      expect(explain(rule(type))).toBeNull();
    },
  );

  test('an operation-wide rule lives in the command document with stationId command', () => {
    expect(explain(rule('zone', { stationId: 'command' }), 'command')).toBeNull();
    expect(explain(rule('zone'), 'command')).toMatch(/stationId "command"/);
  });

  test.each([
    ['an unknown type', rule('zone', { type: 'teleport' }), /rules\/r-zone/],
    ['a zone with no trigger', rule('zone', { trigger: undefined }), /trigger/],
    ['a zone trigger that does not exist', rule('zone', { trigger: 'sometimes' }), /rules\/r-zone/],
    [
      'an open polygon ring',
      rule('zone', { polygon: { ...square, coordinates: [square.coordinates[0]!.slice(0, 4)] } }),
      /not closed/,
    ],
    ['a corridor 2 m wide', rule('corridor', { widthM: 2 }), /widthM/],
    [
      'a corridor of one point',
      rule('corridor', { line: { type: 'LineString', coordinates: [[120.3, 30.5]] } }),
      /line/,
    ],
    ['a negative speed limit', rule('speed', { limitKmh: -5 }), /limitKmh/],
    ['a stop limit of zero minutes', rule('stop', { maxStopMinutes: 0 }), /maxStopMinutes/],
    ['signal loss as text', rule('signal', { noFixMinutes: '5' }), /noFixMinutes/],
    ['active hours 25:00', rule('zone', { activeHours: { from: '25:00', to: '06:00' } }), /activeHours/],
    ['an unknown unit kind', rule('zone', { unitKinds: ['tank'] }), /unitKinds/],
    [
      'a unit listed twice',
      rule('zone', {
        units: [
          { stationId: 'deqing-yuyue', unitId: 'a' },
          { stationId: 'deqing-yuyue', unitId: 'a' },
        ],
      }),
      /listed twice/,
    ],
    [
      'another station’s unit in a station rule',
      rule('zone', { units: [{ stationId: 'linping-yunhe', unitId: 'a' }] }),
      /own units/,
    ],
    ['a rule naming another station', rule('zone', { stationId: 'linping-yunhe' }), /stationId/],
    ['an extra field', rule('signal', { colour: 'red' }), /rules\/r-signal/],
    ['an empty name', rule('signal', { name: '' }), /name/],
  ])('refuses %s with a readable problem', (_what, value, problem) => {
    expect(explain(value)).toMatch(problem);
  });

  test('a name with a NUL is refused (PostgreSQL stores the name with each alert and refuses NUL)', () => {
    expect(explain(rule('zone', { name: '油库\u0000' }))).toMatch(/name/);
    expect(explain(rule('zone', { name: '油库\t北门' }))).toBeNull();
  });

  test('a key that is not the rule id is refused', () => {
    expect(explainEntry('station', 'rules', 'other', rule('zone'), 'deqing-yuyue')).toMatch(/differs from id/);
  });
});

/** Epoch ms of a clock time in China Standard Time (UTC+8) on 2026-11-30. */
const cst = (hhmm: string) => Date.parse(`2026-11-30T${hhmm}:00+08:00`);

describe('ruleActiveAt', () => {
  const night = rule('zone', { activeHours: { from: '22:00', to: '06:00' } }) as unknown as AlertRule;
  const day = rule('zone', { activeHours: { from: '08:30', to: '17:00' } }) as unknown as AlertRule;

  test('active hours that span midnight hold late in the evening and early in the morning, not by day', () => {
    expect(
      ['21:59', '22:00', '23:59', '00:00', '05:59', '06:00', '12:00'].map((t) => ruleActiveAt(night, cst(t))),
    ).toEqual([false, true, true, true, true, false, false]);
  });

  test('day hours are read in China Standard Time, whatever the server zone', () => {
    expect(['08:29', '08:30', '16:59', '17:00'].map((t) => ruleActiveAt(day, cst(t)))).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });

  test('a disabled rule is never active; one without hours always is', () => {
    expect(ruleActiveAt({ ...night, enabled: false }, cst('23:00'))).toBe(false);
    expect(ruleActiveAt(rule('signal') as unknown as AlertRule, cst('03:00'))).toBe(true);
  });
});

describe('ruleWatchesUnit', () => {
  const watches = (extra: Record<string, unknown>, stationId: string, unitId: string, kind: 'car' | 'foot') =>
    ruleWatchesUnit(rule('zone', extra) as unknown as AlertRule, stationId, unitId, kind);

  test('a station rule with no filter watches every unit of its station and none of another', () => {
    expect(watches({}, 'deqing-yuyue', 'car-1', 'car')).toBe(true);
    expect(watches({}, 'linping-yunhe', 'car-1', 'car')).toBe(false);
  });

  test('a command rule watches units of every station', () => {
    expect(watches({ stationId: 'command' }, 'linping-yunhe', 'car-1', 'car')).toBe(true);
  });

  test('kinds and named units select; a unit of the same id at another station is another unit', () => {
    const byKind = { unitKinds: ['foot'] };
    expect([watches(byKind, 'deqing-yuyue', 'f-1', 'foot'), watches(byKind, 'deqing-yuyue', 'c-1', 'car')]).toEqual([
      true,
      false,
    ]);
    const named = { stationId: 'command', units: [{ stationId: 'deqing-yuyue', unitId: 'twin' }] };
    expect([watches(named, 'deqing-yuyue', 'twin', 'car'), watches(named, 'linping-yunhe', 'twin', 'car')]).toEqual([
      true,
      false,
    ]);
  });
});

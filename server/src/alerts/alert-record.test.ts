import { expect, test } from 'vitest';
import { alertRecord } from './alert-record.ts';
import type { AlertDraft, UnitState } from './unit-evaluator.ts';

test('an alert of a rule stored with control characters in its name carries the name without them (PostgreSQL refuses a NUL)', () => {
  const state = { stationId: 'deqing-yuyue', unitId: 'yuyue-car-01' } as UnitState;
  const draft = {
    rule: { key: 'deqing-yuyue/depot', scope: 'deqing-yuyue', rule: { id: 'depot', name: '油库\u0000北门' } },
    kind: 'zone_enter',
    time: 1,
    episode: 1,
    lngLat: [120.3, 30.5],
    evidence: {},
  } as unknown as AlertDraft;
  expect(alertRecord('op-1', state, draft, 2)).toMatchObject({ ruleName: '油库北门', ruleId: 'depot' });
  expect(alertRecord('op-1', state, { ...draft, rule: null } as unknown as AlertDraft, 2).ruleName).toBe('SOS');
});

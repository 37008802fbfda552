import { describe, expect, test } from 'vitest';
import type { Alert } from '@jointmap/shared';
import { AlertStore } from './alert-store.ts';

const OP = 'op-1';

function alert(id: string, over: Partial<Alert> = {}): Alert {
  return {
    id,
    operationId: OP,
    stationId: 'st-a',
    unitId: 'car-1',
    ruleId: 'r-1',
    ruleScope: 'command',
    ruleName: '禁区',
    kind: 'zone_enter',
    time: 1_000,
    raisedAt: 1_100,
    lngLat: [120.1, 30.2],
    evidence: {},
    state: 'open',
    acknowledgedBy: null,
    acknowledgedAt: null,
    resolvedBy: null,
    resolvedAt: null,
    ...over,
  };
}
const msg = (full: boolean, alerts: unknown[], operationId = OP) => ({ operationId, serverTime: 5_000, full, alerts });
const acked = (a: Alert): Alert => ({
  ...a,
  state: 'acknowledged',
  acknowledgedBy: { id: 'u1', name: '张三' },
  acknowledgedAt: 2_000,
});

describe('AlertStore', () => {
  test('a full message replaces everything held; upserts then add and replace by id', () => {
    const s = new AlertStore(OP);
    s.apply(msg(true, [alert('a'), alert('b')]));
    expect(s.list().map((a) => a.id)).toEqual(['a', 'b']);
    s.apply(msg(false, [alert('c', { time: 3_000 }), acked(alert('a'))]));
    expect(s.list().map((a) => a.id)).toEqual(['c', 'a', 'b']);
    expect(s.get('a')?.state).toBe('acknowledged');
    s.apply(msg(true, [alert('d')]));
    expect(s.list().map((a) => a.id)).toEqual(['d']);
  });

  test('lists newest first by alert time', () => {
    const s = new AlertStore(OP);
    s.apply(msg(true, [alert('old', { time: 1 }), alert('new', { time: 9 }), alert('mid', { time: 5 })]));
    expect(s.list().map((a) => a.id)).toEqual(['new', 'mid', 'old']);
  });

  test('an upsert never moves an alert back to an earlier state', () => {
    const s = new AlertStore(OP);
    s.apply(msg(true, [acked(alert('a'))]));
    const r = s.apply(msg(false, [alert('a')]));
    expect(r.changed).toBe(false);
    expect(s.get('a')?.state).toBe('acknowledged');
  });

  test('announces only alerts raised after the first message, once each, and only open ones', () => {
    const s = new AlertStore(OP);
    expect(s.apply(msg(true, [alert('before')])).raised).toEqual([]);
    expect(s.apply(msg(false, [alert('x')])).raised.map((a) => a.id)).toEqual(['x']);
    expect(s.apply(msg(false, [acked(alert('x'))])).raised).toEqual([]);
    // A reconnect's full message brings a missed alert (announced) and known ones (not again).
    expect(s.apply(msg(true, [acked(alert('x')), alert('missed')])).raised.map((a) => a.id)).toEqual(['missed']);
    expect(s.apply(msg(false, [acked(alert('late'))])).raised).toEqual([]);
  });

  test('ignores messages of another operation, malformed envelopes and malformed alerts', () => {
    const s = new AlertStore(OP);
    s.apply(msg(true, [alert('a')]));
    expect(s.apply(msg(true, [], 'op-2')).changed).toBe(false);
    expect(s.apply(null).changed).toBe(false);
    expect(s.apply({ operationId: OP, full: 'yes', alerts: [] }).changed).toBe(false);
    s.apply(msg(false, [{ ...alert('bad'), kind: 'nonsense' }, { ...alert('worse'), lngLat: 'here' }, alert('ok')]));
    expect(
      s
        .list()
        .map((a) => a.id)
        .sort(),
    ).toEqual(['a', 'ok']);
  });
});

import { describe, expect, test } from 'vitest';
import { ALERTS_RESOLVED_IN_FULL, type Alert } from '@jointmap/shared';
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
const msg = (full: boolean, alerts: unknown[], operationId = OP, serverTime = 5_000) => ({
  operationId,
  serverTime,
  full,
  alerts,
});
const acked = (a: Alert): Alert => ({
  ...a,
  state: 'acknowledged',
  acknowledgedBy: { id: 'u1', name: '张三' },
  acknowledgedAt: 2_000,
});
const resolved = (a: Alert): Alert => ({
  ...acked(a),
  state: 'resolved',
  resolvedBy: { id: 'u1', name: '张三' },
  resolvedAt: a.time + 600_000,
});
/** The ids the store remembers (held, and let go of since the last full message). */
const seenIds = (s: AlertStore) => (s as unknown as { seen: Set<string> }).seen;

const FIVE_MINUTES = 300_000;
/**
 * A wall that never reconnects through a week of an alert raised every 5 minutes and resolved 10
 * minutes later, but every 50th only acknowledged (left unresolved). Returns the store and every
 * alert's last state, as the server holds them.
 */
function busyWeek() {
  const s = new AlertStore(OP);
  s.apply(msg(true, []));
  const last = new Map<string, Alert>();
  const send = (a: Alert) => {
    last.set(a.id, a);
    s.apply(msg(false, [a]));
  };
  const raised: Alert[] = [];
  const n = 7 * 24 * 12;
  for (let i = 0; i < n; i++) {
    const a = alert(`a${String(i).padStart(5, '0')}`, { time: i * FIVE_MINUTES, raisedAt: i * FIVE_MINUTES + 100 });
    raised.push(a);
    send(a);
    const earlier = raised[i - 2];
    if (earlier) send(i % 50 === 0 ? acked(earlier) : resolved(earlier));
  }
  return { s, last: [...last.values()] };
}

describe('AlertStore', () => {
  test('a full message replaces everything held; upserts then add and replace by id', () => {
    const s = new AlertStore(OP);
    s.apply(msg(true, [alert('a'), alert('b')]));
    expect(s.list().map((a) => a.id)).toEqual(['a', 'b']);
    s.apply(msg(false, [alert('c', { time: 3_000 }), acked(alert('a'))]));
    expect(s.list().map((a) => a.id)).toEqual(['c', 'a', 'b']);
    expect(s.get('a')?.state).toBe('acknowledged');
    // A reconnect's full message, read after those changes.
    s.apply(msg(true, [alert('d')], OP, 6_000));
    expect(s.list().map((a) => a.id)).toEqual(['d']);
  });

  test('an alert heard while the full message was read, and missing from it, is kept and announced', () => {
    const s = new AlertStore(OP);
    // The page joins; an SOS is stored and broadcast after the server began reading the list
    // (at 5,000) and reaches the page before the list does.
    const sos = alert('sos', { kind: 'sos', ruleId: null, ruleScope: null, ruleName: '' });
    expect(s.apply(msg(false, [sos], OP, 5_010)).raised.map((a) => a.id)).toEqual(['sos']);
    s.apply(msg(true, [alert('older')], OP, 5_000));
    expect(
      s
        .list()
        .map((a) => a.id)
        .sort(),
    ).toEqual(['older', 'sos']);
    // One heard before the list was read and missing from it (resolved elsewhere, or gone) goes.
    s.apply(msg(false, [alert('stale')], OP, 5_500));
    s.apply(msg(true, [alert('older')], OP, 6_000));
    expect(s.list().map((a) => a.id)).toEqual(['older']);
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

  test('a week of alerts raised and resolved without a reconnect holds what a full message would', () => {
    const { s, last } = busyWeek();
    const unresolved = last.filter((a) => a.state !== 'resolved');
    const newestResolved = last
      .filter((a) => a.state === 'resolved')
      .sort((a, b) => b.time - a.time)
      .slice(0, ALERTS_RESOLVED_IN_FULL);
    const held = s.list();
    expect(held.filter((a) => a.state === 'resolved')).toHaveLength(ALERTS_RESOLVED_IN_FULL);
    expect(held.filter((a) => a.state !== 'resolved')).toHaveLength(unresolved.length);
    // What a reconnect would bring (the server's full message), in the same order.
    const reconnected = new AlertStore(OP);
    reconnected.apply(msg(true, [...unresolved, ...newestResolved]));
    expect(held).toEqual(reconnected.list());
    expect(seenIds(s).size).toBeLessThanOrEqual(s.size + 500);
  });

  test('a late copy of an earlier message does not bring back a resolved alert let go of', () => {
    const { s, last } = busyWeek();
    // The newest resolved alert past those kept: the last one the store let go of.
    const { id, time, raisedAt } = last.filter((a) => a.state === 'resolved').sort((a, b) => b.time - a.time)[
      ALERTS_RESOLVED_IN_FULL
    ]!;
    const gone = alert(id, { time, raisedAt });
    expect(s.get(gone.id)).toBeUndefined();
    for (const copy of [gone, acked(gone), resolved(gone)]) {
      expect(s.apply(msg(false, [copy]))).toEqual({ raised: [], changed: false });
    }
    expect(s.get(gone.id)).toBeUndefined();
  });

  test('a full message forgets the ids it does not hold; held ones are still announced once', () => {
    const s = new AlertStore(OP);
    s.apply(msg(true, []));
    expect(s.apply(msg(false, [alert('x')])).raised.map((a) => a.id)).toEqual(['x']);
    s.apply(msg(false, [resolved(alert('old'))]));
    const full = msg(true, [alert('x'), alert('y', { time: 2_000 })]);
    expect(s.apply(full).raised.map((a) => a.id)).toEqual(['y']);
    expect([...seenIds(s)].sort()).toEqual(['x', 'y']);
    // The same messages again (a duplicate delivery) announce and change nothing.
    expect(s.apply(full).raised).toEqual([]);
    expect(s.apply(msg(false, [alert('y', { time: 2_000 })]))).toEqual({ raised: [], changed: false });
  });
});

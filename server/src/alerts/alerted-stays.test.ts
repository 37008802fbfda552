import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { Alert, AlertRule, UnitPosition } from '@jointmap/shared';
import type { PositionFix } from '../storage/types.ts';
import { AlertService, type AlertServiceOptions } from './alert-service.ts';
import { carInside, commandDoc, failingOptions } from './alert-test-doubles.ts';
import { alreadyAlerted } from './alerted-stays.ts';
import { RuleIndex } from './rule-index.ts';
import type { AlertDraft } from './unit-evaluator.ts';

const COMMAND = 'op-1/command';
const op = { id: 'op-1', status: 'active', stations: ['st-1'] };
const stored = (pos: UnitPosition): PositionFix => ({ ...pos, lng: pos.lngLat[0], lat: pos.lngLat[1], speed: 0 });
/** car-1 well outside zone-1 (`commandDoc`). */
const outside = (time: number, receivedAt: number): UnitPosition => ({
  ...carInside(time, receivedAt),
  lngLat: [120.28, 30.5],
});

/**
 * What a restart finds after a live engine saw zone-1 drawn around car-1: fixes `before` came in
 * before the engine read the zone, `after` once it had, `down` while the server was down (stored,
 * never judged). The zone is stored in the update log at `loggedAt`. Returns the times of the
 * alerts raised live, and the alerts the restart raises (the store ignores an id it holds).
 */
async function liveThenRestart(
  before: UnitPosition[],
  after: UnitPosition[],
  loggedAt: number,
  down: UnitPosition[] = [],
) {
  const alerts: Alert[] = [];
  const all = [...before, ...after, ...down];
  const fixes = all.map(stored).sort((a, b) => a.time - b.time);
  const storage = {
    listOperations: async () => [op],
    getOperation: async () => op,
    listAlerts: async (_op: string, f: { kind?: string }) => alerts.filter((a) => a.kind === f.kind),
    track: async (_s: string, _u: string, from: number, to: number) =>
      fixes.filter((f) => f.time >= from && f.time <= to),
    insertAlert: async (a: Alert) => !alerts.some((b) => b.id === a.id) && alerts.push(a) > 0,
    readReplayCheckpoint: async () => null,
    readUpdateLogPage: async (doc: string, afterSeq: number) =>
      doc === COMMAND && afterSeq < 1
        ? [{ seq: 1, update: Y.encodeStateAsUpdate(commandDoc()), sessionId: null, userId: null, time: loggedAt }]
        : [],
  } as unknown as AlertServiceOptions['storage'];
  const engine = (command: Y.Doc, latest: UnitPosition[]) => {
    let pass!: (pos: UnitPosition) => void;
    const service = new AlertService({
      ...failingOptions(0).options,
      replayMs: 3_600_000,
      storage,
      rooms: { get: async (name: string) => ({ doc: name === COMMAND ? command : new Y.Doc() }) as never },
      live: {
        onFix: (cb) => {
          pass = cb;
          return () => undefined;
        },
        snapshot: () => latest,
      },
    });
    return { service, pass: (pos: UnitPosition) => pass(pos) };
  };

  const command = new Y.Doc();
  const live = engine(command, []);
  await live.service.start();
  await live.service.whenIdle();
  for (const pos of before) live.pass(pos);
  Y.applyUpdate(command, Y.encodeStateAsUpdate(commandDoc()));
  live.service.onCommitted(
    { operationId: 'op-1', scope: 'command', kind: 'command', name: COMMAND },
    new Set(['rules']),
  );
  await live.service.whenIdle();
  for (const pos of after) live.pass(pos);
  await live.service.close();
  const raisedLive = alerts.map((a) => a.time);

  const restart = engine(commandDoc(), [all.reduce((a, b) => (b.time > a.time ? b : a))]);
  const count = alerts.length;
  await restart.service.start();
  await restart.service.whenIdle();
  await restart.service.close();
  return { raisedLive, raisedAtRestart: alerts.slice(count).map((a) => [a.kind, a.time]) };
}

describe('a restart raises no second alert for a stay the live engine alerted', () => {
  const t0 = Date.now() - 600_000;

  it('the last fix before a zone, received in the millisecond the zone was stored, enters it for the replay, not live: one enter', async () => {
    const L = Date.now() - 60_000;
    const { raisedLive, raisedAtRestart } = await liveThenRestart(
      [carInside(t0, L)],
      [carInside(t0 + 5_000, L + 2), carInside(t0 + 10_000, L + 3)],
      L,
    );
    expect(raisedLive).toEqual([t0 + 5_000]);
    expect(raisedAtRestart).toEqual([]);
  });

  it('a unit that left and came back while the server was down enters again after the restart', async () => {
    const L = Date.now() - 60_000;
    const { raisedLive, raisedAtRestart } = await liveThenRestart(
      [carInside(t0, L)],
      [carInside(t0 + 5_000, L + 2), outside(t0 + 10_000, L + 3)],
      L,
      [carInside(t0 + 15_000, L + 4)],
    );
    expect(raisedLive).toEqual([t0 + 5_000]);
    expect(raisedAtRestart).toEqual([['zone_enter', t0 + 15_000]]);
  });
});

describe('alreadyAlerted', () => {
  const settings = { marginM: 0, minDurationMs: 10_000, stopRadiusM: 50 };
  const T = Date.UTC(2026, 11, 1, 2); // 10:00 China time
  const zone = (extra: Partial<AlertRule> = {}) => {
    const index = new RuleIndex(0);
    const rule = { ...(commandDoc().getMap('rules').get('zone-1') as AlertRule), ...extra } as AlertRule;
    index.sync('command', new Map([['zone-1', rule]]), T - 3_600_000);
    return index.get('command/zone-1')!;
  };
  /** car-1's track: `inside` or not at each time. */
  const track = (points: Array<[number, boolean]>): PositionFix[] =>
    points.map(([time, inside]) => stored(inside ? carInside(time, time) : outside(time, time)));
  const enterAt = (time: number, raisedAt = time) => ({ kind: 'zone_enter', time, raisedAt }) as Alert;
  const draft = (p: ReturnType<typeof zone>, kind: 'zone_enter' | 'zone_exit', time: number): AlertDraft => ({
    kind,
    rule: p,
    episode: time,
    time,
    lngLat: [120.305, 30.495],
    evidence: {},
  });
  const covers = (p: ReturnType<typeof zone>, d: AlertDraft, alerts: Alert[], fixes: PositionFix[], from = 0) =>
    alreadyAlerted({ alerts: new Map([[p.key, alerts]]), track: fixes, from }, d, settings);

  it('an enter stored later in the same stay covers it; one after the unit left for long enough does not', () => {
    const p = zone();
    const stay = track([
      [T, true],
      [T + 5_000, true],
      [T + 10_000, true],
    ]);
    expect(covers(p, draft(p, 'zone_enter', T), [enterAt(T + 10_000)], stay)).toBe(true);
    const brief = track([
      [T, true],
      [T + 5_000, false],
      [T + 9_000, false],
      [T + 10_000, true],
    ]);
    expect(covers(p, draft(p, 'zone_enter', T), [enterAt(T + 10_000)], brief)).toBe(true);
    const left = track([
      [T, true],
      [T + 5_000, false],
      [T + 15_000, false],
      [T + 20_000, true],
    ]);
    expect(covers(p, draft(p, 'zone_enter', T), [enterAt(T + 20_000)], left)).toBe(false);
    expect(covers(p, draft(p, 'zone_enter', T + 20_000), [enterAt(T)], left)).toBe(false);
  });

  it('an enter stored before the zone was armed, before the window, of another kind or another period covers nothing', () => {
    const p = zone();
    const stay = track([
      [T, true],
      [T + 10_000, true],
    ]);
    expect(covers(p, draft(p, 'zone_enter', T + 10_000), [enterAt(T, T - 7_200_000)], stay)).toBe(false);
    expect(covers(p, draft(p, 'zone_enter', T + 10_000), [enterAt(T)], stay, T + 1)).toBe(false);
    expect(covers(p, draft(p, 'zone_exit', T + 10_000), [enterAt(T)], stay)).toBe(false);
    // Watched 08:00–18:00: parked inside overnight, it enters again when the hours begin.
    const office = zone({ activeHours: { from: '08:00', to: '18:00' } });
    const night = track([
      [T, true],
      [T + 12 * 3_600_000, true],
      [T + 22 * 3_600_000, true],
    ]);
    expect(covers(office, draft(office, 'zone_enter', T + 22 * 3_600_000), [enterAt(T)], night)).toBe(false);
  });

  it('an exit stored in the same absence covers it', () => {
    const p = zone();
    const away = track([
      [T, false],
      [T + 5_000, false],
      [T + 10_000, false],
    ]);
    expect(covers(p, draft(p, 'zone_exit', T), [{ ...enterAt(T + 10_000), kind: 'zone_exit' }], away)).toBe(true);
  });
});

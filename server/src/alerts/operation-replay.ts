import type { FastifyBaseLogger } from 'fastify';
import { isNewerFix, unitKey, type Alert, type UnitKind, type UnitPosition } from '@jointmap/shared';
import { toUnitPosition, type LiveService } from '../live/live-service.ts';
import type { Storage } from '../storage/types.ts';
import { seedZones, zoneAlerts } from './alert-history.ts';
import { alreadyAlerted } from './alerted-stays.ts';
import { endsBefore, seedPresses, storedFixOf, storedPresses, type StoredPresses } from './positionless-alarm.ts';
import { ChangeCrossing, SEED_LOOKBACK_MS, seedUnit, storedStops } from './replay-seed.ts';
import type { RuleIndex } from './rule-index.ts';
import type { AlertDraft, EvaluatorSettings, UnitState } from './unit-evaluator.ts';

/** Longest replayed track per unit (fixes). */
const REPLAY_LIMIT = 20_000;

/** What the replay of an operation reads. */
export interface ReplayDeps {
  storage: Storage;
  live: Pick<LiveService, 'snapshot'>;
  settings: EvaluatorSettings;
  log: Pick<FastifyBaseLogger, 'warn'>;
  /** The replay window (ms) ends now. */
  replayMs: number;
  now: number;
  isClosed(): boolean;
}

/**
 * Rebuild the state of every unit of an operation after a start: each unit's state seeded from
 * the stored alerts and the track before the window, then its fixes within the window handed to
 * `judge` in order (judged by the rules that stood when each came in), with the test of a zone
 * alert it would raise for a stay already alerted ({@link alreadyAlerted}), and the SOS press ends
 * its alerts hold applied between them in time order ({@link endsBefore}). Yields a turn per unit.
 * "Every unit" is every unit with a latest position in the operation's stations, also one that
 * left the roster or reported last for an earlier operation: it meets geofences if it reports
 * again; signal loss judges only the roster, from when a rule watches it (`checkSilence`).
 */
export async function replayOperation(
  d: ReplayDeps,
  op: { id: string; stations: ReadonlySet<string>; index: RuleIndex; kinds: ReadonlyMap<string, UnitKind> },
  unitState: (stationId: string, unitId: string) => UnitState,
  judge: (pos: UnitPosition, alerted: (draft: AlertDraft) => boolean) => void,
): Promise<void> {
  const from = d.now - d.replayMs;
  // Zones a unit was already inside when the window opens: staying there is not a new enter.
  const zones = await zoneAlerts(d.storage, op.id).catch((err: unknown) => {
    d.log.warn({ err, operation: op.id }, 'alerts: stored zone alerts could not be read');
    return new Map<string, Map<string, Alert[]>>();
  });
  const stops = await storedStops(d.storage, op.id, from - SEED_LOOKBACK_MS).catch((err: unknown) => {
    d.log.warn({ err, operation: op.id }, 'alerts: stored stop alerts could not be read');
    return new Map<string, Alert[]>();
  });
  // What no track holds: the ends of SOS presses, and presses begun without a position.
  const presses = await storedPresses(d.storage, op).catch((err: unknown) => {
    d.log.warn({ err, operation: op.id }, 'alerts: stored SOS alerts could not be read');
    return new Map<string, StoredPresses>();
  });
  for (const latest of d.live.snapshot([...op.stations])) {
    const key = unitKey(latest.stationId, latest.unitId);
    const state = unitState(latest.stationId, latest.unitId);
    seedZones(op.index, state, zones.get(key), from);
    // What was ongoing when the window opens (a stop, an overspeed, a stay) began where the stored track says.
    const { storage, settings } = d;
    const kind = op.kinds.get(key) ?? null;
    const seed = {
      storage,
      index: op.index,
      settings,
      state,
      kind,
      before: from,
      stops: stops.get(key),
      zones: zones.get(key),
    };
    const stopStarts = await seedUnit(seed, latest.time).catch((err: unknown) => {
      d.log.warn({ err, operation: op.id, unit: latest.unitId }, 'alerts: unit state not seeded');
      return new Map<number, [number, number]>();
    });
    const fixes =
      latest.time >= from
        ? await d.storage.track(latest.stationId, latest.unitId, from, Number.MAX_SAFE_INTEGER, REPLAY_LIMIT)
        : [];
    if (d.isClosed()) return;
    // By device time, as stored (before the sort below): where the unit stood between two alerts.
    const unit = { alerts: zones.get(key), track: zones.has(key) ? fixes.slice() : [], from };
    const alerted = (draft: AlertDraft) => alreadyAlerted(unit, draft, settings);
    // better-sqlite3 and the evaluator are synchronous: give the event loop a turn per unit.
    await new Promise((resolve) => setImmediate(resolve));
    const crossing = new ChangeCrossing(op.index, state, zones.get(key));
    // In the order they arrived, as the live path judged them: a fix of a second tracker that came
    // after a newer one (`isNewerFix`) was passed over then (only a newer fix moves the state), and
    // must be now, or the replay would date an entry from it and raise it again under another
    // identity. Fixes that arrived in the same millisecond keep the track's order, the newest-fix
    // order (a stable sort); the unit's newest (`state.last`) is the same whatever the order.
    fixes.sort((a, b) => a.receivedAt - b.receivedAt);
    const pressed = presses.get(key);
    for (const f of fixes) {
      crossing.fix(f.receivedAt);
      endsBefore(state, pressed, f.time);
      // A stop whose stored alert names this fix as its start began here, whatever the replay's anchor.
      const anchor = stopStarts.get(f.time);
      if (anchor) state.stop = { anchor, since: f.time };
      // A replayed alarm may belong to a press that began before the window or was raised already.
      judge(toUnitPosition(f), alerted);
    }
    // Older than the window: only the last fix is known (enough for signal loss, and a press still held);
    // a silence that long is counted from when the rule or the operation began (`silenceStart`).
    if (!fixes.length && isNewerFix(latest, state.last ?? undefined)) {
      state.newest = latest.time;
      state.heard.set(latest.deviceId, Math.max(state.heard.get(latest.deviceId) ?? -Infinity, latest.time));
      state.last = latest;
      if (latest.alarm) state.presses.set(latest.deviceId, latest.time);
    }
    if (pressed) {
      const reported = new Set<Alert>();
      for (const a of pressed.newest.values()) if (await reportedBefore(d, latest, a, from)) reported.add(a);
      seedPresses(state, pressed, (a) => reported.has(a));
    }
    presses.delete(key);
  }
  // Units that never had a fix: a press begun without a position is in no track, only in its alert.
  for (const pressed of presses.values()) {
    const [a] = pressed.newest.values();
    if (a) seedPresses(unitState(a.stationId, a.unitId), pressed);
  }
}

/**
 * Whether the device of a press begun without a position (its newest SOS alert, `a`, not ended) stored a fix between the alert and the replay window (`from`), which the replay did not
 * see (`seedPresses`). Read only for such an alert older than the window.
 */
function reportedBefore(d: ReplayDeps, unit: UnitPosition, a: Alert, from: number): Promise<boolean> | boolean {
  const device = a.evidence.deviceId;
  if (!a.evidence.position || device === undefined || a.evidence.pressEndedAt !== undefined) return false;
  if (a.state === 'resolved' || a.time >= from) return false;
  return storedFixOf(d.storage, unit.stationId, unit.unitId, device, a.time, from);
}

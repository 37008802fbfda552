import { activePeriodStart, ruleActiveAt, type Alert, type AlertKind } from '@jointmap/shared';
import type { PositionFix } from '../storage/types.ts';
import type { PreparedRule } from './rule-index.ts';
import { observation, type AlertDraft, type EvaluatorSettings } from './unit-evaluator.ts';

/** The side of its zone an alert of each kind tells the unit is on from then on (true: inside). */
const SIDE: Partial<Record<AlertKind, boolean>> = { zone_enter: true, zone_exit: false };

/** One unit as a replay after a restart rebuilds it: what {@link alreadyAlerted} reads. */
export interface ReplayedUnit {
  /** The unit's stored zone enter/exit alerts by rule key (`zoneAlerts` in alert-history.ts). */
  alerts: ReadonlyMap<string, readonly Alert[]> | undefined;
  /** The unit's stored fixes within the replay window, by device time. */
  track: readonly PositionFix[];
  /** Start of the replay window (device time): a stay reported before it is seeded, not looked for here. */
  from: number;
}

/**
 * Whether the stay a replay is about to report (`d`: the unit entering or leaving a zone) was
 * reported already: a stored alert of the same kind for the same zone, raised since the zone was
 * last armed, in the same active period, with no crossing back between the two in the unit's track
 * (a run of fixes on the other side as long as the debounce needs to count one).
 *
 * A replay judges a stored fix by a rule only if it came in once the rule stood, by two times of
 * the same clock in whole milliseconds: the fix's `receivedAt` and the rule's time in the update
 * log. A fix received in the millisecond the rule was stored can have come before the rule (the
 * live engine judged it without) or after (judged with it): the times cannot tell, and taken the
 * wrong way the replay dates the entry from another fix than the live engine did, under another
 * identity. The stored alert and the track can tell: one stay is one alert, and a unit that left
 * and came back enters again.
 */
export function alreadyAlerted(unit: ReplayedUnit, d: AlertDraft, settings: EvaluatorSettings): boolean {
  const p = d.rule;
  const side = SIDE[d.kind];
  if (!p || side === undefined || p.rule.type !== 'zone') return false;
  const period = activePeriodStart(p.rule, d.time);
  return (unit.alerts?.get(p.key) ?? []).some(
    (a) =>
      a.kind === d.kind &&
      a.raisedAt >= p.armedAt &&
      a.time >= unit.from &&
      activePeriodStart(p.rule, a.time) === period &&
      !crossed(p, settings, unit.track, Math.min(a.time, d.time), Math.max(a.time, d.time), !side),
  );
}

/**
 * Whether the fixes from device time `from` to `to` (`track`, by device time) hold a run on
 * `side` of zone `p` long enough for the debounce to count a crossing (`observe`). Fixes while the
 * rule is not active change nothing.
 */
function crossed(
  p: PreparedRule,
  settings: EvaluatorSettings,
  track: readonly PositionFix[],
  from: number,
  to: number,
  side: boolean,
): boolean {
  let since: number | null = null;
  for (const f of track) {
    if (f.time > to) break;
    if (f.time < from || !ruleActiveAt(p.rule, f.time)) continue;
    if (observation(p, settings, { speedMps: f.speed }, [f.lng, f.lat]) !== side) since = null;
    else if (f.time - (since ??= f.time) >= settings.minDurationMs) return true;
  }
  return false;
}

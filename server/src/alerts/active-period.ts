import { CST_OFFSET_MS, type AlertRule } from '@jointmap/shared';

const DAY_MS = 86_400_000;
const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * When the active period of `rule` that holds `time` began (epoch ms): its `activeHours.from` on
 * that day, or on the day before for hours that span midnight and `time` after midnight; -Infinity
 * for a rule without active hours (one period, for ever). Only meaningful while the rule is active
 * at `time` (`ruleActiveAt`).
 *
 * A debounced rule (zone, corridor, speed) starts every period afresh, "outside" as when it is
 * switched on: what a unit did while the rule was off duty is never the subject of an alert (a unit
 * that left at 19:00 is not "leaving" at 08:00), and a unit found inside when the hours begin
 * counts as entering then.
 */
export function activePeriodStart(rule: Pick<AlertRule, 'activeHours'>, time: number): number {
  const hours = rule.activeHours;
  if (!hours) return -Infinity;
  const local = time + CST_OFFSET_MS;
  const midnight = local - (((local % DAY_MS) + DAY_MS) % DAY_MS) - CST_OFFSET_MS;
  const from = toMinutes(hours.from) * 60_000;
  const start = midnight + from;
  // Hours across midnight (22:00–06:00): a time before `from` belongs to the period begun yesterday.
  return time >= start ? start : start - DAY_MS;
}

import { activePeriodStart, ruleActiveAt, type AlertRule } from '@jointmap/shared';
import type { PreparedRule } from './rule-index.ts';
import type { UnitState } from './unit-evaluator.ts';

/** Rules whose per-unit state belongs to an active period (see `activePeriodStart`). */
const DEBOUNCED = new Set<AlertRule['type']>(['zone', 'corridor', 'speed']);

/**
 * The active period in which a debounced rule's state for a unit goes on after its active hours
 * were edited at `at` (server clock), or null when the state is dropped. `rule` is the rule as it
 * now stands, `before` the rule with its former hours, `held` the period the state belonged to
 * under those (undefined: the one in progress).
 *
 * A debounced rule starts each active period afresh, and a period is known by its start: moving the
 * start of the hours (08:00 → 07:30, or hours given to a zone that was always on) gives the period
 * in progress another start. Taken for a new period, it would make every unit inside the zone enter
 * again at its next fix. An edit is not a new period, as an edited geometry keeps the state:
 * - active before and after the edit: the period in progress goes on under the new hours, with the
 *   state it holds (a unit inside and alerted stays inside, and is not alerted again); a state left
 *   from an earlier period is dropped, as its next fix would drop it;
 * - not active before, active after (the edit opened the hours now): a period begins, as when the
 *   hours begin by the clock: the state is dropped, so a unit found inside counts as entering (one
 *   enter, as each morning at the start of the hours), and what a unit did while the rule was off
 *   duty (left at 18:30 a zone watched until 18:00) raises nothing;
 * - not active after: off duty; the state is dropped and its next period starts afresh.
 */
export function periodAfterHoursChange(
  rule: AlertRule,
  before: AlertRule,
  held: number | undefined,
  at: number,
): number | null {
  if (!ruleActiveAt(rule, at) || !ruleActiveAt(before, at)) return null;
  if (held !== undefined && held !== activePeriodStart(before, at)) return null;
  return activePeriodStart(rule, at);
}

/**
 * Carry every unit's state for rule `p` across an edit of its active hours at `at` (`before`: the
 * record as it was), by {@link periodAfterHoursChange}. The engine's state then is what a replay
 * after a restart starts from at the change (`stayAtChange`).
 */
export function carryAcrossHoursChange(
  states: Iterable<UnitState>,
  p: PreparedRule,
  before: AlertRule,
  at: number,
): void {
  if (!DEBOUNCED.has(p.rule.type)) return;
  for (const state of states) {
    const held = state.rules.get(p.key);
    if (!held) continue;
    const period = periodAfterHoursChange(p.rule, before, held.period, at);
    if (period === null) state.rules.delete(p.key);
    else held.period = period;
  }
}

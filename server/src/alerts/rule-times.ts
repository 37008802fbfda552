import type { FastifyBaseLogger } from 'fastify';
import * as Y from 'yjs';
import { readMap, type AlertRule } from '@jointmap/shared';
import type { RoomManager } from '../rooms/room-manager.ts';
import type { UpdateLogStore } from '../storage/types.ts';
import { LOG_PAGE, logPages } from '../report/log-walk.ts';

/**
 * Since when a rule, as it stands, applies (server clock: the update log's times, which is also
 * the clock a stored fix's `receivedAt` is on). A replay after a restart runs the rules as they
 * stand now over stored fixes; a fix received before these times was judged by the live engine
 * against no rule, or an earlier form of it, and must not be judged again by the current one.
 */
export interface RuleTimes {
  /**
   * Last created, switched on or off, or changed in whom it watches (or its type): the moment the
   * live engine dropped every unit's state for it, so it starts "outside" from here.
   */
  armedAt: number;
  /**
   * Last changed in anything that decides an alert (geometry, limits, trigger, hours) or armed.
   * From `armedAt` to here the live engine judged fixes by an earlier form of the rule and kept
   * its state across the change.
   */
  changedAt: number;
  /**
   * The active hours the rule had before the change at `changedAt`, when that change moved them
   * (absent when it did not): whether the engine carried a unit's state across it depends on them
   * (`periodAfterHoursChange`).
   */
  hoursBefore?: AlertRule['activeHours'];
}

/** A rule record's times with the signatures they were taken for (see {@link ruleTimesFromLog}). */
export interface LoggedRuleTimes extends RuleTimes {
  arming: string;
  evaluation: string;
}

/** What decides whom a rule watches and whether it is on: a change drops every unit's state. */
export function armingSignature(r: AlertRule): string {
  return JSON.stringify([r.enabled, r.type, r.units, r.unitKinds]);
}

/** Everything of a rule that decides an alert (all but its name, note and authorship), keys sorted. */
export function evaluationSignature(r: AlertRule): string {
  const { name: _name, note: _note, updatedAt: _updatedAt, createdBy: _createdBy, ...rest } = r;
  return JSON.stringify(Object.fromEntries(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : 1))));
}

/** The logged times of `rule` as it stands now; undefined when the walk saw it in another form, or not at all. */
export function loggedTimesOf(
  logged: ReadonlyMap<string, LoggedRuleTimes>,
  rule: AlertRule,
): LoggedRuleTimes | undefined {
  const held = logged.get(rule.id);
  return held?.arming === armingSignature(rule) && held.evaluation === evaluationSignature(rule) ? held : undefined;
}

/** The active hours of `before` when `after` has other ones, else undefined ({@link RuleTimes.hoursBefore}). */
export function movedHours(before: AlertRule, after: AlertRule): AlertRule['activeHours'] | undefined {
  return JSON.stringify(before.activeHours) === JSON.stringify(after.activeHours) ? undefined : before.activeHours;
}

/** Since when the rule as it stands judges fixes: the later of its two times. */
export const ruleSince = (t: RuleTimes): number => Math.max(t.armedAt, t.changedAt);

/**
 * The times of the rules of document `doc`, from its stored update log: the document as it was at
 * `since` (a checkpoint, then the updates after it in the log's order up to the first one stored
 * after `since`), then every later update applied in order, a page at a time, watching the `rules`
 * map. A rule not armed or changed after `since` has the
 * times `-Infinity` (nothing the engine reads lies before `since`, so it counts as always there);
 * a rule absent from the result was not in the log when the walk read its end. Cost: one
 * checkpoint and the updates since `since` (about 5 ms per 1,000).
 */
export async function ruleTimesFromLog(
  store: Pick<UpdateLogStore, 'readReplayCheckpoint' | 'readUpdateLogPage'>,
  doc: string,
  since: number,
): Promise<Map<string, LoggedRuleTimes>> {
  const cp = await store.readReplayCheckpoint(doc, since);
  const ydoc = new Y.Doc();
  try {
    if (cp) Y.applyUpdate(ydoc, cp.state);
    const out = new Map<string, LoggedRuleTimes>();
    const rules = ydoc.getMap<AlertRule>('rules');
    // In the log's order: the updates before the first one stored after `since` make the document
    // as it was then (what they did counts as always there); from that one on, a change takes its
    // update's time, never earlier than the change before it (a clock stepped back, or instances
    // whose clocks differ, cannot date a rule before an update stored ahead of it).
    let time = -Infinity;
    rules.observe((e) => {
      for (const id of e.keysChanged) {
        const rule = rules.get(id);
        if (!rule) {
          out.delete(id);
          continue;
        }
        const change = e.changes.keys.get(id);
        const old = change?.action === 'update' ? (change.oldValue as AlertRule) : undefined;
        const arming = armingSignature(rule);
        const evaluation = evaluationSignature(rule);
        const held = out.get(id) ?? { armedAt: -Infinity, changedAt: -Infinity };
        if (!old || armingSignature(old) !== arming)
          out.set(id, { armedAt: time, changedAt: time, arming, evaluation });
        else if (evaluationSignature(old) !== evaluation)
          out.set(id, { ...held, changedAt: time, hoursBefore: movedHours(old, rule), arming, evaluation });
        else out.set(id, { ...held, arming, evaluation });
      }
    });
    for await (const page of logPages(store, doc, LOG_PAGE, cp?.seq ?? 0)) {
      // The part of the page before `since` in one transaction (one observer call, as a merged
      // state would give); after that, one update at a time, each with its own time.
      const after = page.findIndex((u) => u.time > since);
      const head = time > -Infinity ? 0 : after < 0 ? page.length : after;
      if (head > 0) Y.transact(ydoc, () => page.slice(0, head).forEach((u) => Y.applyUpdate(ydoc, u.update)));
      for (const u of page.slice(head)) {
        time = Math.max(time, u.time);
        Y.applyUpdate(ydoc, u.update);
      }
    }
    // Every rule the walk saw, untouched ones too: a rule the caller holds that is not here was
    // written after the walk read the log's end.
    for (const [id, rule] of rules) {
      if (!out.has(id)) {
        out.set(id, {
          armedAt: -Infinity,
          changedAt: -Infinity,
          arming: armingSignature(rule),
          evaluation: evaluationSignature(rule),
        });
      }
    }
    return out;
  } finally {
    ydoc.destroy();
  }
}

/**
 * The times of the rules of `doc` from its update log since `since` ({@link ruleTimesFromLog}):
 * undefined when it holds no rule, null when the log could not be read (their `updatedAt` stands
 * in). A rule stored while the walk ran is not in it, and would stand from when it is read: the
 * log is walked once more then, so that it stands from its time in the log, as after a restart.
 * The room is looked up each time: it may be unloaded, and loaded afresh, during a walk.
 */
export async function loggedRuleTimes(
  d: {
    rooms: Pick<RoomManager, 'get'>;
    storage: Pick<UpdateLogStore, 'readReplayCheckpoint' | 'readUpdateLogPage'>;
    log: Pick<FastifyBaseLogger, 'warn'>;
  },
  doc: string,
  since: number,
): Promise<Map<string, LoggedRuleTimes> | null | undefined> {
  const rules = async () => [...readMap<AlertRule>((await d.rooms.get(doc)).doc, 'rules').values()];
  const walk = () =>
    ruleTimesFromLog(d.storage, doc, since).catch((err: unknown) => {
      d.log.warn({ err, doc }, 'alerts: rule times not read; their updatedAt stands in');
      return null;
    });
  if (!(await rules()).length) return undefined;
  const logged = await walk();
  if (logged && !(await rules()).every((r) => loggedTimesOf(logged, r))) return (await walk()) ?? logged;
  return logged;
}

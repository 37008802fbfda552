import { ALERTS_RESOLVED_IN_FULL, alertValidator, type Alert } from '@jointmap/shared';

/** What one `live:alerts` message changed in an {@link AlertStore}. */
export interface AlertsApplied {
  /**
   * Alerts this store had never held, still open: the ones to announce (sound). The first full
   * message after the page opened announces nothing (those were raised before anyone was looking
   * here); a change that comes before it is news and is announced.
   */
  raised: Alert[];
  /** Whether anything changed at all. */
  changed: boolean;
}

/**
 * The alerts of one operation as the live channel delivers them: a full message replaces what is
 * held, later ones upsert by id. A full message is read from storage while changes are already
 * broadcast to the joining page, so a change heard after the full message's time but before the
 * message itself is kept when the message lacks it (an SOS raised during a join would vanish). A message of another operation, or with a malformed envelope, is
 * ignored; a malformed alert costs only itself. An upsert never moves an alert back to an earlier
 * state (acknowledged does not return to open), whatever order messages arrive in. Like a full
 * message, the store holds every unresolved alert but only the newest
 * {@link ALERTS_RESOLVED_IN_FULL} resolved ones, so a wall that never reconnects does not fill up.
 */
export class AlertStore {
  private readonly byId = new Map<string, Held>();
  /**
   * Ids held, and ids let go of since the last full message (resolved, older than the newest kept):
   * a reconnect's full message does not announce a held alert again, and a late copy of an earlier
   * message does not bring back one let go of. A full message forgets the ones it does not hold.
   */
  private readonly seen = new Set<string>();
  private sorted: Alert[] | null = [];
  /** False until the first message: what is already open when the page opens is listed, not announced. */
  private primed = false;

  constructor(readonly operationId: string) {}

  /** Apply a raw `live:alerts` message. */
  apply(raw: unknown): AlertsApplied {
    const none = { raised: [], changed: false };
    if (raw === null || typeof raw !== 'object') return none;
    const m = raw as { operationId?: unknown; serverTime?: unknown; full?: unknown; alerts?: unknown };
    const serverTime = typeof m.serverTime === 'number' ? m.serverTime : 0;
    if (m.operationId !== this.operationId || typeof m.full !== 'boolean' || !Array.isArray(m.alerts)) return none;
    const incoming = m.alerts.filter(
      (a): a is Alert => alertValidator.check(a) && (a as Alert).operationId === this.operationId,
    );
    const raised: Alert[] = [];
    let changed = false;
    if (m.full) {
      changed = this.byId.size > 0 || incoming.length > 0;
      const previous = new Map(this.byId);
      this.byId.clear();
      for (const a of incoming) {
        const before = previous.get(a.id);
        const alert = before && STATE_ORDER[before.alert.state] > STATE_ORDER[a.state] ? before.alert : a;
        this.byId.set(a.id, { alert, heardAt: before?.heardAt ?? -Infinity });
      }
      // Heard since the message was read (raised or changed meanwhile), unresolved: still true.
      for (const [id, held] of previous)
        if (!this.byId.has(id) && held.alert.state !== 'resolved' && held.heardAt >= serverTime)
          this.byId.set(id, held);
      for (const id of this.seen) if (!this.byId.has(id)) this.seen.delete(id);
    } else {
      for (const a of incoming) {
        if (this.seen.has(a.id) && !this.byId.has(a.id)) continue;
        const before = this.byId.get(a.id)?.alert;
        if (before && STATE_ORDER[before.state] > STATE_ORDER[a.state]) continue;
        if (before && JSON.stringify(before) === JSON.stringify(a)) continue;
        this.byId.set(a.id, { alert: a, heardAt: serverTime });
        changed = true;
      }
    }
    for (const a of incoming) {
      if (this.seen.has(a.id)) continue;
      this.seen.add(a.id);
      if (a.state === 'open' && (this.primed || !m.full)) raised.push(a);
    }
    if (m.full) this.primed = true;
    if (changed) {
      this.dropOldResolved();
      this.sorted = null;
    }
    return { raised, changed };
  }

  /** Let go of resolved alerts past the newest {@link ALERTS_RESOLVED_IN_FULL}, as the server's full message does. */
  private dropOldResolved(): void {
    const resolved = this.alerts().filter((a) => a.state === 'resolved');
    if (resolved.length <= ALERTS_RESOLVED_IN_FULL) return;
    for (const a of resolved.sort(newestFirst).slice(ALERTS_RESOLVED_IN_FULL)) this.byId.delete(a.id);
    // Their ids stay in `seen`, but only the most recent few hundred: a copy of a message that
    // arrives later than that is not a risk worth memory growing for as long as the wall stays up.
    let over = this.seen.size - this.byId.size - FORGOTTEN_REMEMBERED;
    for (const id of this.seen) {
      if (over <= 0) break;
      if (this.byId.has(id)) continue;
      this.seen.delete(id);
      over--;
    }
  }

  /** Replace one alert with the server's answer to an acknowledge / resolve. */
  put(alert: Alert): boolean {
    return this.apply({ operationId: this.operationId, full: false, alerts: [alert] }).changed;
  }

  get(id: string): Alert | undefined {
    return this.byId.get(id)?.alert;
  }

  get size(): number {
    return this.byId.size;
  }

  /** Every alert held, newest first (by the time of the violation, then by id for a stable order). */
  list(): readonly Alert[] {
    this.sorted ??= this.alerts().sort(newestFirst);
    return this.sorted;
  }

  private alerts(): Alert[] {
    return [...this.byId.values()].map((held) => held.alert);
  }
}

/** An alert held, with the server time of the change message that last upserted it (-Infinity: none did). */
interface Held {
  alert: Alert;
  heardAt: number;
}

/** An alert's states in the only order it moves through them. */
export const STATE_ORDER: Record<Alert['state'], number> = { open: 0, acknowledged: 1, resolved: 2 };

/** How many ids of alerts let go of `seen` keeps between full messages. */
const FORGOTTEN_REMEMBERED = 500;

/** Newest first by the time of the violation, then by id: the order the server lists alerts in. */
function newestFirst(a: Alert, b: Alert): number {
  return b.time - a.time || (a.id < b.id ? -1 : 1);
}

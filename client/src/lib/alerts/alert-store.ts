import { alertValidator, type Alert } from '@jointmap/shared';

/** What one `live:alerts` message changed in an {@link AlertStore}. */
export interface AlertsApplied {
  /**
   * Alerts this store had never held, still open: the ones to announce (sound). The first message
   * after the page opened announces nothing (those were raised before anyone was looking here).
   */
  raised: Alert[];
  /** Whether anything changed at all. */
  changed: boolean;
}

/**
 * The alerts of one operation as the live channel delivers them: a full message replaces what is
 * held, later ones upsert by id. A message of another operation, or with a malformed envelope, is
 * ignored; a malformed alert costs only itself. An upsert never moves an alert back to an earlier
 * state (acknowledged does not return to open), whatever order messages arrive in.
 */
export class AlertStore {
  private readonly byId = new Map<string, Alert>();
  /** Ids ever seen, so a reconnect's full message does not announce old alerts again. */
  private readonly seen = new Set<string>();
  private sorted: Alert[] | null = [];
  /** False until the first message: what is already open when the page opens is listed, not announced. */
  private primed = false;

  constructor(readonly operationId: string) {}

  /** Apply a raw `live:alerts` message. */
  apply(raw: unknown): AlertsApplied {
    const none = { raised: [], changed: false };
    if (raw === null || typeof raw !== 'object') return none;
    const m = raw as { operationId?: unknown; full?: unknown; alerts?: unknown };
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
        this.byId.set(a.id, before && STATE_ORDER[before.state] > STATE_ORDER[a.state] ? before : a);
      }
    } else {
      for (const a of incoming) {
        const before = this.byId.get(a.id);
        if (before && STATE_ORDER[before.state] > STATE_ORDER[a.state]) continue;
        if (before && JSON.stringify(before) === JSON.stringify(a)) continue;
        this.byId.set(a.id, a);
        changed = true;
      }
    }
    for (const a of incoming) {
      if (this.seen.has(a.id)) continue;
      this.seen.add(a.id);
      if (a.state === 'open' && this.primed) raised.push(a);
    }
    this.primed = true;
    if (changed) this.sorted = null;
    return { raised, changed };
  }

  /** Replace one alert with the server's answer to an acknowledge / resolve. */
  put(alert: Alert): boolean {
    return this.apply({ operationId: this.operationId, full: false, alerts: [alert] }).changed;
  }

  get(id: string): Alert | undefined {
    return this.byId.get(id);
  }

  get size(): number {
    return this.byId.size;
  }

  /** Every alert held, newest first (by the time of the violation, then by id for a stable order). */
  list(): readonly Alert[] {
    this.sorted ??= [...this.byId.values()].sort((a, b) => b.time - a.time || (a.id < b.id ? -1 : 1));
    return this.sorted;
  }
}

const STATE_ORDER: Record<Alert['state'], number> = { open: 0, acknowledged: 1, resolved: 2 };

import { sameJson } from './apply-records.ts';
import type { ReplayState } from '@jointmap/shared';

/** What one document gains and loses between two moments: records to set and keys to delete, by map. */
export interface DocChanges {
  scope: string;
  set: Record<string, Record<string, unknown>>;
  del: Record<string, string[]>;
}

type Maps = Record<string, Record<string, unknown>>;

/**
 * The differences between successive moments' states (the replay's fetch worker keeps one): the
 * server answers every record of every document for each moment, and only the few that changed
 * need to reach the page. Starts from empty documents, like the page's own.
 */
export class StateDiffer {
  private readonly last = new Map<string, Maps>();

  diff(state: ReplayState): DocChanges[] {
    const out: DocChanges[] = [];
    for (const d of state.docs) {
      if (!d.json) continue;
      const before = this.last.get(d.scope) ?? {};
      const change: DocChanges = { scope: d.scope, set: {}, del: {} };
      let any = false;
      for (const name of new Set([...Object.keys(before), ...Object.keys(d.json)])) {
        const had = before[name] ?? {};
        const want = d.json[name] ?? {};
        const del = Object.keys(had).filter((key) => !(key in want));
        const set: Record<string, unknown> = {};
        let n = 0;
        for (const [key, value] of Object.entries(want))
          if (!(key in had) || !sameJson(had[key], value)) {
            set[key] = value;
            n++;
          }
        if (del.length) change.del[name] = del;
        if (n) change.set[name] = set;
        any ||= del.length > 0 || n > 0;
      }
      this.last.set(d.scope, d.json);
      if (any) out.push(change);
    }
    return out;
  }
}

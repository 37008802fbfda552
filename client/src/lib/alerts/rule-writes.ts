import { AppError, explainEntry, type AlertRule } from '@jointmap/shared';
import type { OperationSession } from '../state/operation-session.svelte.ts';

/**
 * Put a rule into its document (`rule.stationId`: `command` or the station). Returns null when
 * written, else the problem (the same check the server applies, so nothing invalid is sent).
 */
export function saveRule(session: OperationSession, rule: AlertRule): string | null {
  const scope = rule.stationId;
  const doc = session.doc(scope);
  if (!doc) return `no document ${scope}`;
  const problem = explainEntry(doc.kind, 'rules', rule.id, rule, scope);
  if (problem) return problem;
  try {
    session.write(scope, { type: 'put', map: 'rules', key: rule.id, value: rule });
    return null;
  } catch (err) {
    return err instanceof AppError ? err.message : String(err);
  }
}

export function deleteRule(session: OperationSession, scope: string, id: string): string | null {
  try {
    session.write(scope, { type: 'delete', map: 'rules', key: id });
    return null;
  } catch (err) {
    return err instanceof AppError ? err.message : String(err);
  }
}

import { AppError, checkEntry, type AlertRule } from '@jointmap/shared';
import { validationText } from '../i18n/validation-text.ts';
import { errorText } from '../i18n/error-text.ts';
import { i18n } from '../i18n/i18n.svelte.ts';
import type { OperationSession } from '../state/operation-session.svelte.ts';

/**
 * Put a rule into its document (`rule.stationId`: `command` or the station). Returns null when
 * written, else the problem (the same check the server applies, so nothing invalid is sent).
 */
export function saveRule(session: OperationSession, rule: AlertRule): string | null {
  const scope = rule.stationId;
  const doc = session.doc(scope);
  if (!doc) return i18n.t('rules.error.scope');
  const problem = checkEntry(doc.kind, 'rules', rule.id, rule, scope);
  if (problem) return validationText(problem.message, problem.issues);
  return written(() => session.write(scope, { type: 'put', map: 'rules', key: rule.id, value: rule }));
}

export function deleteRule(session: OperationSession, scope: string, id: string): string | null {
  return written(() => session.write(scope, { type: 'delete', map: 'rules', key: id }));
}

/**
 * Null when `write` succeeded, else why not in the UI's language: a refused write (the operation
 * closed, the document no longer writable) says there is no document to save rules in.
 */
function written(write: () => void): string | null {
  try {
    write();
    return null;
  } catch (err) {
    if (err instanceof AppError && err.code === 'FORBIDDEN') return i18n.t('rules.error.scope');
    return errorText(err);
  }
}

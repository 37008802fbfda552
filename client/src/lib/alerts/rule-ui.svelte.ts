import type { OperationSession } from '../state/operation-session.svelte.ts';
import type { RuleDraft } from './rule-draft.ts';

/** The rule being edited in the console, which the rule layer previews in place of the stored one. */
export class RuleUi {
  draft = $state<RuleDraft | null>(null);
}

const uis = new WeakMap<OperationSession, RuleUi>();

export function ruleUiOf(session: OperationSession): RuleUi {
  let ui = uis.get(session);
  if (!ui) uis.set(session, (ui = new RuleUi()));
  return ui;
}

import type { AlertRule } from '@jointmap/shared';
import { i18n } from '../i18n/i18n.svelte.ts';
import type { OperationSession } from '../state/operation-session.svelte.ts';
import { draftOfRule, newRuleDraft, type RuleDraft } from './rule-draft.ts';
import { acceptTheirsAsBase, copyField, mergeRuleEdit, RULE_FIELDS, valueKey, type RuleField } from './rule-merge.ts';

/**
 * The rule being edited in the console, which the rule layer previews in place of the stored one.
 * An edit remembers the stored rule as the form took it in (`base`), so that a save writes the
 * stored rule plus only what this user changed, and a colleague's change meanwhile is never lost
 * silently (see {@link mergeRuleEdit}).
 */
export class RuleUi {
  draft = $state<RuleDraft | null>(null);
  /** The stored rule as the open form last took it in; null for a new rule. */
  private base: RuleDraft | null = null;

  /** Open the form for a new rule of `scope`. */
  create(scope: string): void {
    this.base = null;
    this.draft = newRuleDraft('zone', scope);
  }

  /** Open the form on a stored rule held in `scope`. */
  edit(rule: AlertRule, scope: string): void {
    this.base = draftOfRule(rule, scope);
    this.draft = draftOfRule(rule, scope);
  }

  close(): void {
    this.base = null;
    this.draft = null;
  }

  /**
   * Take in the stored rule as it is now: the fields this user has not changed show the stored
   * values. Returns the fields this user changed that someone else changed to another value (the
   * user's values are kept; they stay conflicts until {@link overrule}).
   */
  follow(stored: AlertRule): RuleField[] {
    const draft = this.draft;
    if (!draft || !this.base || draft.id !== stored.id) return [];
    const mine = $state.snapshot(draft) as RuleDraft;
    const merged = mergeRuleEdit(this.base, mine, draftOfRule(stored, draft.scope));
    for (const f of RULE_FIELDS) {
      if (valueKey(f, merged.draft) !== valueKey(f, mine)) copyField(draft, merged.draft, f);
    }
    this.base = merged.base;
    return merged.conflicts;
  }

  /** The user was told of `conflicts`: from now on the user's values of those fields are deliberate changes. */
  overrule(stored: AlertRule, conflicts: readonly RuleField[]): void {
    if (this.base) this.base = acceptTheirsAsBase(this.base, draftOfRule(stored, this.base.scope), conflicts);
  }

  /** The stored rule was deleted elsewhere: the draft, with everything typed, becomes a new rule. */
  detach(): void {
    if (!this.draft) return;
    this.base = null;
    this.draft.id = null;
    this.draft.createdBy = null;
  }
}

const uis = new WeakMap<OperationSession, RuleUi>();

/** How the rules name a scope: the command's rules are the whole operation's ("全局（指挥部）"). */
export function ruleScopeName(session: OperationSession, scope: string): string {
  return session.scopeName(scope, { command: i18n.t('rules.scope.command') });
}

export function ruleUiOf(session: OperationSession): RuleUi {
  let ui = uis.get(session);
  if (!ui) uis.set(session, (ui = new RuleUi()));
  return ui;
}

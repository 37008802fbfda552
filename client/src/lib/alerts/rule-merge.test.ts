import { describe, expect, test } from 'vitest';
import type { AlertRule } from '@jointmap/shared';
import { newRuleDraft, type RuleDraft } from './rule-draft.ts';
import { acceptTheirsAsBase, mergeRuleEdit } from './rule-merge.ts';
import { RuleUi } from './rule-ui.svelte.ts';

const base: RuleDraft = { ...newRuleDraft('speed', 'deqing-yuyue'), id: 'speed1', name: '德清限速', limitKmh: 60 };
const speedRule = (over: Partial<AlertRule> = {}): AlertRule =>
  ({
    id: 'speed1',
    stationId: 'deqing-yuyue',
    type: 'speed',
    name: '德清限速',
    enabled: true,
    limitKmh: 60,
    area: null,
    unitKinds: [],
    units: [],
    activeHours: null,
    note: '',
    createdBy: 'u-1',
    updatedAt: 1,
    ...over,
  }) as AlertRule;

describe('mergeRuleEdit', () => {
  test('a field only this user changed keeps the user value; a field only someone else changed takes theirs', () => {
    const mine = { ...base, limitKmh: 50 };
    const theirs = { ...base, enabled: false };
    const m = mergeRuleEdit(base, mine, theirs);
    expect(m.conflicts).toEqual([]);
    expect(m.draft).toMatchObject({ limitKmh: 50, enabled: false });
    expect(m.base).toMatchObject({ limitKmh: 60, enabled: false });
  });

  test('a field both changed to different values is a conflict and keeps the user value until the stored one is accepted as base', () => {
    const mine = { ...base, limitKmh: 50 };
    const theirs = { ...base, limitKmh: 70, note: '夜间' };
    const m = mergeRuleEdit(base, mine, theirs);
    expect(m.conflicts).toEqual(['limitKmh']);
    expect(m.draft).toMatchObject({ limitKmh: 50, note: '夜间' });
    const again = mergeRuleEdit(acceptTheirsAsBase(m.base, theirs, m.conflicts), m.draft, theirs);
    expect(again.conflicts).toEqual([]);
    expect(again.draft.limitKmh).toBe(50);
  });

  test('both changing a field to the same value, or units ticked in another order, is no conflict', () => {
    const b = { ...base, unitKinds: ['car' as const] };
    const mine = { ...b, name: '新名', unitKinds: ['foot' as const, 'car' as const] };
    const theirs = { ...b, name: '新名', unitKinds: ['car' as const, 'foot' as const] };
    expect(mergeRuleEdit(b, mine, theirs).conflicts).toEqual([]);
  });
});

describe('RuleUi.follow', () => {
  test('an open edit form takes a colleague switching the rule off and keeps the limit this user typed', () => {
    const ui = new RuleUi();
    ui.edit(speedRule(), 'deqing-yuyue');
    ui.draft!.limitKmh = 50;
    expect(ui.follow(speedRule({ enabled: false }))).toEqual([]);
    expect(ui.draft).toMatchObject({ enabled: false, limitKmh: 50 });
  });

  test('a rule deleted elsewhere: detach keeps every typed value as a new rule of the same scope', () => {
    const ui = new RuleUi();
    ui.edit(speedRule(), 'deqing-yuyue');
    ui.draft!.name = '德清限速（改）';
    ui.detach();
    expect(ui.draft).toMatchObject({ id: null, createdBy: null, name: '德清限速（改）', scope: 'deqing-yuyue' });
  });
});

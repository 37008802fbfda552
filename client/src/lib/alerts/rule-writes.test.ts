import { expect, test } from 'vitest';
import type { AlertRule } from '@jointmap/shared';
import { offlineCommanderSession } from '../state/offline-session-harness.test-support.ts';
import { saveRule } from './rule-writes.ts';

const signalRule = {
  id: 'r-lost',
  stationId: 'command',
  type: 'signal',
  name: '失联告警',
  enabled: true,
  noFixMinutes: 10,
  unitKinds: [],
  units: [],
  activeHours: null,
  note: '',
  createdBy: 'u-cmd',
  updatedAt: 1,
} as AlertRule;

test('saving a rule after the operation was closed says so in Chinese, without the English of the refused write', () => {
  const session = offlineCommanderSession();
  expect(saveRule(session, signalRule)).toBeNull();
  session.closed = true;
  const problem = saveRule(session, { ...signalRule, name: '失联告警二' });
  expect(problem).toBe('没有可保存规则的文档');
});

test('a rule name over its limit is refused in Chinese, naming the field and the limit', () => {
  const session = offlineCommanderSession();
  expect(saveRule(session, { ...signalRule, name: '告'.repeat(500) })).toMatch(/^名称过长（最多 \d+ 个字）$/);
});

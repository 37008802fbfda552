import { expect, test } from 'vitest';
import { formatMessage, type MessageParams } from '../i18n/format.ts';
import { en, zhCN, type MessageKey } from '../i18n/messages.ts';
import { policyText } from './policy-text.ts';

const tr =
  (locale: 'en' | 'zh-CN') =>
  (key: MessageKey, params: MessageParams = {}) =>
    formatMessage(locale, (locale === 'en' ? en : zhCN)[key], params);

test('the policy reads as one sentence in both languages, and 0 days reads as never thinned or never deleted', () => {
  const policy = { fullDays: 30, keepDays: 365, toleranceM: 5 };
  expect(policyText(tr('zh-CN'), policy)).toBe(
    '轨迹全精度保留 30 天，之后抽稀（偏差 ≤ 5 米，每分钟至少一点），365 天后删除',
  );
  expect(policyText(tr('en'), policy)).toBe(
    'Tracks at full resolution through day 30, then thinned (within 5 m, one fix a minute at least), deleted after day 365',
  );
  expect(policyText(tr('en'), { ...policy, keepDays: 0 })).toBe(
    'Tracks at full resolution through day 30, then thinned (within 5 m, one fix a minute at least), never deleted',
  );
  expect(policyText(tr('zh-CN'), { ...policy, keepDays: 0 })).toBe(
    '轨迹全精度保留 30 天，之后抽稀（偏差 ≤ 5 米，每分钟至少一点），不删除',
  );
  expect(policyText(tr('en'), { fullDays: 0, keepDays: 0, toleranceM: 5 })).toBe(
    'Tracks kept at full resolution, never deleted',
  );
  expect(policyText(tr('zh-CN'), { fullDays: 0, keepDays: 90, toleranceM: 5 })).toBe('轨迹始终保留全精度，90 天后删除');
});

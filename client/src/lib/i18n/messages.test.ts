import { expect, test } from 'vitest';
import { en, zhCN } from './messages.ts';

test('both catalogs have the same keys, none of them empty', () => {
  expect(Object.keys(en).sort()).toEqual(Object.keys(zhCN).sort());
  for (const catalog of [zhCN, en]) {
    for (const [key, message] of Object.entries(catalog)) {
      const forms = typeof message === 'string' ? [message] : [message.one, message.other];
      for (const form of forms) expect(form.trim(), key).not.toBe('');
    }
  }
});

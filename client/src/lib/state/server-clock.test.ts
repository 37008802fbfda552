import { expect, test } from 'vitest';
import { serverNow } from './server-clock.ts';

test('writes are stamped with the live layer’s server-clock estimate, not Date.now()', () => {
  const fast = Date.now() + 5 * 60_000;
  const serverTime = fast - 5 * 60_000;
  expect(serverNow({ live: { now: () => serverTime } } as never)).toBe(serverTime);
});

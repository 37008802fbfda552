import { expect, test } from 'vitest';
import { searchNow } from './search-clock.ts';

test('search writes are stamped with the live layer’s server-clock estimate, not Date.now()', () => {
  const fast = Date.now() + 5 * 60_000;
  const serverNow = fast - 5 * 60_000;
  expect(searchNow({ live: { now: () => serverNow } } as never)).toBe(serverNow);
});

import { expect, it } from 'vitest';
import { WalkSlots } from './walk-slots.ts';

/** Every callback due runs (the promises' and those they queue). */
const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Takes a slot for `name`, noting when it was given (`given`) in `order`. */
function taker(slots: WalkSlots, order: string[]) {
  return (name: string, signal?: AbortSignal) => slots.take(signal).then((release) => (order.push(name), release));
}

it('gives at most its size of slots at once, the others in the order asked as slots are given back', async () => {
  const slots = new WalkSlots(2);
  const order: string[] = [];
  const take = taker(slots, order);
  const [a, b] = await Promise.all([take('a'), take('b')]);
  const c = take('c');
  const d = take('d');
  await settled();
  expect(order).toEqual(['a', 'b']);
  b();
  // Given back twice: one slot all the same.
  b();
  const releaseC = await c;
  await settled();
  expect(order).toEqual(['a', 'b', 'c']);
  a();
  (await d)();
  releaseC();
  expect(order).toEqual(['a', 'b', 'c', 'd']);
  // All given back: the next is given at once.
  const e = take('e');
  const f = take('f');
  await Promise.all([e, f]);
  expect(order.slice(4)).toEqual(['e', 'f']);
});

it('gives up a turn whose signal is aborted while it waits: rejected with the reason, the next in line moves up', async () => {
  const slots = new WalkSlots(1);
  const order: string[] = [];
  const take = taker(slots, order);
  const a = await take('a');
  const stop = new AbortController();
  const b = take('b', stop.signal);
  const c = take('c');
  stop.abort(new Error('closed'));
  await expect(b).rejects.toThrow('closed');
  a();
  (await c)();
  expect(order).toEqual(['a', 'c']);
  await expect(take('d', stop.signal)).rejects.toThrow('closed');
  expect(order).toEqual(['a', 'c']);
});

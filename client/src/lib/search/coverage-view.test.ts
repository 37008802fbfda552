import { expect, test } from 'vitest';
import type { CoverageMessage } from '@jointmap/shared';
import { CoverageView, type CoverageChannel } from './coverage-view.svelte.ts';

/** The live channel as CoverageView sees it: one registered handler per event, called by the test. */
function channel(operationId = 'op1') {
  const handlers = new Map<string, (raw: unknown) => void>();
  const ch = {
    operationId,
    listen: (event: string, fn: (raw: unknown) => void) => {
      handlers.set(event, fn);
      return () => handlers.delete(event);
    },
  } as unknown as CoverageChannel;
  return { ch, send: (raw: unknown) => handlers.get('live:coverage')?.(raw), handlers };
}

const msg = (full: boolean, sectors: CoverageMessage['sectors'], operationId = 'op1'): CoverageMessage => ({
  operationId,
  serverTime: 1,
  full,
  sectors,
});

test('coverage holds the full picture on join, then merges changes, and says which sectors changed', () => {
  const { ch, send } = channel();
  const view = new CoverageView(ch);
  const changes: Array<string[] | 'all'> = [];
  view.onChange((c) => changes.push(c === 'all' ? 'all' : [...c]));
  send(
    msg(true, [
      { sectorId: 'a', fraction: 0.1, updatedAt: 5 },
      { sectorId: 'b', fraction: 0, updatedAt: null },
    ]),
  );
  send(msg(false, [{ sectorId: 'b', fraction: 0.55, updatedAt: 9 }]));
  expect([view.fractionOf('a'), view.fractionOf('b'), view.updatedAtOf('b'), view.fractionOf('c')]).toEqual([
    0.1,
    0.55,
    9,
    null,
  ]);
  // A new full message drops sectors it does not list.
  send(msg(true, [{ sectorId: 'b', fraction: 0.6, updatedAt: 10 }]));
  expect([view.fractionOf('a'), view.fractionOf('b')]).toEqual([null, 0.6]);
  expect(changes).toEqual(['all', ['b'], 'all']);
});

test('malformed messages and other operations are ignored; destroy stops listening', () => {
  const { ch, send, handlers } = channel();
  const view = new CoverageView(ch);
  send({ operationId: 'op1', serverTime: 1, full: false, sectors: [{ sectorId: 'a', fraction: 2, updatedAt: 1 }] });
  send({ nonsense: true });
  send(msg(false, [{ sectorId: 'a', fraction: 0.5, updatedAt: 1 }], 'op2'));
  expect([view.fractionOf('a'), view.rejected]).toEqual([null, 2]);
  view.destroy();
  expect(handlers.size).toBe(0);
});

import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { afterEach, expect, test, vi } from 'vitest';
import { stampAwarenessIdentity, type StampCache, type VerifiedUser } from './awareness-identity.ts';

const alice: VerifiedUser = { id: 'u-a', name: '甲', role: 'dispatcher', stationId: 'deqing-yuyue' };
const bob: VerifiedUser = { id: 'u-b', name: '乙', role: 'dispatcher', stationId: 'deqing-yuyue' };

function update(clientId: number, clock: number, state: object | null): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint(e, clientId);
  encoding.writeVarUint(e, clock);
  encoding.writeVarString(e, JSON.stringify(state));
  return encoding.toUint8Array(e);
}

function stateOf(stamped: Uint8Array): unknown {
  const d = decoding.createDecoder(stamped);
  decoding.readVarUint(d);
  decoding.readVarUint(d);
  decoding.readVarUint(d);
  return JSON.parse(decoding.readVarString(d));
}

afterEach(() => vi.restoreAllMocks());

test('a renewal of an unchanged state is stamped from the cache, without parsing it again', () => {
  const cache: StampCache = new Map();
  const first = stampAwarenessIdentity(
    update(9, 1, { pointer: [1, 2], user: { id: 'fake' } }),
    alice,
    undefined,
    cache,
  );
  const parse = vi.spyOn(JSON, 'parse');
  const renewal = stampAwarenessIdentity(
    update(9, 2, { pointer: [1, 2], user: { id: 'fake' } }),
    alice,
    undefined,
    cache,
  );
  expect(parse).not.toHaveBeenCalled();
  parse.mockRestore();
  expect(stateOf(renewal.update!)).toEqual(stateOf(first.update!));
  expect(stateOf(renewal.update!)).toEqual({ pointer: [1, 2], user: alice });
  // A changed state, or the same id set by another user, is stamped afresh.
  expect(stateOf(stampAwarenessIdentity(update(9, 3, { pointer: [3, 4] }), alice, undefined, cache).update!)).toEqual({
    pointer: [3, 4],
    user: alice,
  });
  expect(stateOf(stampAwarenessIdentity(update(9, 4, { pointer: [3, 4] }), bob, undefined, cache).update!)).toEqual({
    pointer: [3, 4],
    user: bob,
  });
});

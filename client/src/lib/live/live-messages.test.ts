import { expect, test } from 'vitest';
import type { UnitPosition } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { endsSession, readLiveBatch, worthRetrying } from './live-messages.ts';

const fix = (unitId: string, time = 1_000): UnitPosition => fixtures.unitPosition(unitId, { time, receivedAt: time });

test('one malformed position is skipped, the rest of the batch is kept', () => {
  const bad = { ...fix('u2'), lngLat: [200, 30.5] };
  const batch = readLiveBatch(
    { operationId: 'op1', serverTime: 5_000, positions: [fix('u1'), bad, fix('u3'), 'junk'] },
    'op1',
  );
  expect(batch?.positions.map((p) => p.unitId)).toEqual(['u1', 'u3']);
  expect(batch?.skipped).toBe(2);
  expect(batch?.serverTime).toBe(5_000);
});

test('a position with an unknown field or a missing one is skipped', () => {
  const extra = { ...fix('u1'), secret: 1 };
  const { time: _time, ...missing } = fix('u2');
  const batch = readLiveBatch({ operationId: 'op1', serverTime: 1, positions: [extra, missing, fix('u3')] }, 'op1');
  expect(batch?.positions.map((p) => p.unitId)).toEqual(['u3']);
});

test('a bad envelope or another operation drops the whole message', () => {
  expect(readLiveBatch(null, 'op1')).toBeNull();
  expect(readLiveBatch({ operationId: 'op2', serverTime: 1, positions: [fix('u1')] }, 'op1')).toBeNull();
  expect(readLiveBatch({ operationId: 'op1', serverTime: -1, positions: [fix('u1')] }, 'op1')).toBeNull();
  expect(readLiveBatch({ operationId: 'op1', serverTime: 1.5, positions: [fix('u1')] }, 'op1')).toBeNull();
  expect(readLiveBatch({ operationId: 'op1', serverTime: 1, positions: {} }, 'op1')).toBeNull();
});

test('snapshot thresholds are read only when sane', () => {
  const base = { operationId: 'op1', serverTime: 1, positions: [] };
  expect(
    readLiveBatch({ ...base, thresholds: { staleAfterMs: 60_000, lostAfterMs: 300_000 } }, 'op1')?.thresholds,
  ).toEqual({
    staleAfterMs: 60_000,
    lostAfterMs: 300_000,
  });
  expect(
    readLiveBatch({ ...base, thresholds: { staleAfterMs: 60_000, lostAfterMs: 1 } }, 'op1')?.thresholds,
  ).toBeNull();
  expect(readLiveBatch({ ...base, thresholds: 'x' }, 'op1')?.thresholds).toBeNull();
  expect(readLiveBatch(base, 'op1')?.thresholds).toBeNull();
});

test('only token errors end the session', () => {
  expect(endsSession({ code: 'TOKEN_EXPIRED' })).toBe(true);
  expect(endsSession({ code: 'UNAUTHENTICATED' })).toBe(true);
  expect(endsSession({ code: 'NOT_FOUND' })).toBe(false);
  expect(endsSession({ code: 'CLIENT_TOO_OLD' })).toBe(false);
  expect(endsSession(null)).toBe(false);
});

test('a refusal is worth retrying unless it ends the session or the client is too old', () => {
  expect(worthRetrying({ code: 'INTERNAL' })).toBe(true);
  expect(worthRetrying({ code: 'STORAGE_UNAVAILABLE' })).toBe(true);
  expect(worthRetrying({ code: 'NOT_FOUND' })).toBe(true);
  expect(worthRetrying(undefined)).toBe(true);
  expect(worthRetrying({ code: 'CLIENT_TOO_OLD' })).toBe(false);
  expect(worthRetrying({ code: 'TOKEN_EXPIRED' })).toBe(false);
  expect(worthRetrying({ code: 'SESSION_ENDED' })).toBe(false);
});

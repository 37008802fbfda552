import { describe, expect, test } from 'vitest';
import { pgTimeouts } from './pg-pool.ts';

describe('pgTimeouts', () => {
  test('PostgreSQL gives up on a statement or a lock a little before the app stops waiting', () => {
    expect(pgTimeouts('postgres://db/jm')).toEqual({
      query_timeout: 10_000,
      statement_timeout: 9_000,
      lock_timeout: 9_000,
      idle_in_transaction_session_timeout: 15_000,
    });
    expect(pgTimeouts('postgres://db/jm?query_timeout=1500')).toMatchObject({
      query_timeout: 1500,
      statement_timeout: 1350,
      lock_timeout: 1350,
    });
  });

  test('no query timeout leaves the server its own setting; a bad value or a non-URL string gets the default', () => {
    expect(pgTimeouts('postgres://db/jm?query_timeout=0')).toMatchObject({ statement_timeout: 0, lock_timeout: 0 });
    expect(pgTimeouts('postgres://db/jm?query_timeout=soon')).toMatchObject({ query_timeout: 10_000 });
    expect(pgTimeouts('socket:/var/run/postgresql?db=jm')).toMatchObject({ query_timeout: 10_000 });
  });
});

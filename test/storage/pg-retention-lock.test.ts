import { describe, expect, test } from 'vitest';
import { createPgPool } from '@jointmap/server/storage/pg-pool';
import { streetFixes } from '../api/archive-helpers.ts';
import { createTestSchema, query } from '../helpers/pg-schema.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { api } from '../live/live-helpers.ts';

const DAY = 24 * 3600_000;
const STATION = 'deqing-yuyue';
const UNIT = 'yuyue-car-01';

/** Poll an async condition every 20 ms. */
async function until(predicate: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!(await predicate())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const stored = (server: TestServer) =>
  server.ctx.storage.track(STATION, UNIT, 0, Date.now(), 1_000_000).then((f) => f.length);

describe('retention on PostgreSQL across instances', () => {
  test('two instances on one store run retention one at a time: the other answers 409 and thins nothing twice', async (t) => {
    const schema = await createTestSchema(t);
    const store = { databaseUrl: schema.url, retentionIntervalMs: 0, retentionBatch: 50 };
    const a = await startServer(t, store);
    const b = await startServer(t, store);
    const ca = (await a.login('commander')).token;
    const cb = (await b.login('commander')).token;
    // 20 days old: thinned (after TRACK_FULL_DAYS), not dropped.
    await a.ctx.storage.appendPositions(streetFixes(STATION, UNIT, Date.now() - 20 * DAY, 600));

    // Every fix of the unit locked by another session: a's first thinning batch waits on it, its
    // run under way and held there.
    const pool = createPgPool(schema.url, () => undefined);
    const locker = await pool.connect();
    t.onTestFinished(async () => {
      locker.release();
      await pool.end();
    });
    await locker.query('BEGIN');
    await locker.query('SELECT 1 FROM positions_track WHERE unit_id = $1 FOR UPDATE', [UNIT]);
    const runA = api(a, ca, 'POST', '/api/retention/run');
    await until(
      async () =>
        (
          await query(
            schema.url,
            `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'DELETE FROM positions_track%'
             AND application_name = current_setting('application_name')`,
          )
        ).length > 0,
      30_000,
      'a’s thinning to wait on the locked fixes',
    );

    // b neither runs nor waits: a run is under way on a.
    const refused = await api(b, cb, 'POST', '/api/retention/run');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: 'CONFLICT' } });
    expect((await api(b, cb, 'GET', '/api/retention')).body).toMatchObject({ running: null, lastRun: null });

    await locker.query('ROLLBACK');
    const ran = await runA;
    expect(ran.status).toBe(200);
    const thinned = (ran.body as { run: { thinRemoved: number; error: string | null } }).run;
    expect(thinned.error).toBeNull();
    expect(thinned.thinRemoved).toBeGreaterThan(500);
    const left = await stored(a);
    expect(left).toBe(600 - thinned.thinRemoved);

    // Once a's run is over, b runs: the track is thinned already, nothing more goes.
    const after = await api(b, cb, 'POST', '/api/retention/run');
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ run: { thinRemoved: 0, dropped: 0, error: null } });
    expect(await stored(b)).toBe(left);
  });
});

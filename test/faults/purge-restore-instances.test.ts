import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test, type TestContext } from 'vitest';
import { createPgPool } from '@jointmap/server/storage/pg-pool';
import { archiveOp, closeOp, download, restore, streetFixes, searchOp } from '../api/archive-helpers.ts';
import { createTestSchema, query } from '../helpers/pg-schema.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { DEQING } from '../helpers/tasks.ts';
import { api } from '../live/live-helpers.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { connectClient, eventually } from '../helpers/sync-client.ts';

const OP = 'op-evidence';
const UNIT = 'yuyue-car-01';
const DAY = 24 * 3600_000;
const FIXES = 300;

/** Poll an async condition every 20 ms. */
async function until(predicate: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!(await predicate())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const stored = (server: TestServer, from: number, to: number) =>
  server.ctx.storage.track(DEQING, UNIT, from, to, 1_000_000).then((f) => f.length);

/**
 * How many statements starting with `sql`, on connections to the schema of `url` (its
 * `application_name`), wait on a lock (PostgreSQL's view of its sessions).
 */
const waitingOn = async (url: string, sql: string) =>
  (
    await query(
      url,
      `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1
       AND application_name = current_setting('application_name')`,
      [`${sql}%`],
    )
  ).length;

/** The statement of a purge's batch (pg-archive.ts, `dropPurgedFixes`). */
const PURGE_BATCH = 'DELETE FROM positions_track t USING unnest';

/** A directory for the test's instances to share, removed after it. */
function sharedDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-archives-'));
  t.onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Until `n` statements starting with `sql` wait on a lock (see {@link waitingOn}). */
const untilWaiting = (url: string, sql: string, n = 1) =>
  until(async () => (await waitingOn(url, sql)) >= n, 30_000, `${sql}… waiting on a lock`);

/**
 * Two instances, `a` and `b`, on one PostgreSQL store, and on `a` the purge of a closed, archived
 * operation of three days ago (FIXES fixes, deleted 10 at a time) whose first batch waits on a row
 * lock: it is under way, its documents gone and its fixes not yet. `release()` lets it go on.
 */
async function purgeWaiting(t: TestContext) {
  const schema = await createTestSchema(t);
  // The purge's batch and the hold's or restore's update wait on locks while the test sets them
  // up: a minute before the servers' lock timeout, not 9 s, on a loaded machine.
  const url = new URL(schema.url);
  url.searchParams.set('query_timeout', '60000');
  // One ARCHIVE_DIR for both, as a cluster shares it: either instance reads the archive's file.
  const store = { databaseUrl: url.href, retentionIntervalMs: 0, archiveDir: sharedDir(t) };
  const a = await startServer(t, { ...store, retentionBatch: 10 });
  const b = await startServer(t, store);
  const ca = (await a.login('commander')).token;
  const cb = (await b.login('commander')).token;
  await searchOp(a, ca, OP, '证据保全');
  const created = Date.now() - 3 * DAY;
  await query(schema.url, 'UPDATE operations SET created_at = $1 WHERE id = $2', [created, OP]);
  await a.ctx.storage.appendPositions(streetFixes(DEQING, UNIT, created + 1000, FIXES));
  expect((await closeOp(a, ca, OP)).status).toBe(200);
  const record = (await archiveOp(a, ca, OP)).body;
  const file = await download(a, ca, record);
  const window = [created, Date.now()] as const;
  expect(await stored(a, ...window)).toBe(FIXES);

  // The purge deletes the earliest fixes first: the earliest one is locked here.
  const pool = createPgPool(schema.url, () => undefined);
  const locker = await pool.connect();
  t.onTestFinished(async () => {
    locker.release();
    await pool.end();
  });
  await locker.query('SET idle_in_transaction_session_timeout = 0');
  await locker.query('BEGIN');
  const locked = await locker.query(
    'SELECT time FROM positions_track WHERE station_id = $1 AND unit_id = $2 ORDER BY time LIMIT 1 FOR UPDATE',
    [DEQING, UNIT],
  );
  expect(locked.rowCount).toBe(1);
  const purge = api<{ error?: { code: string } }>(a, ca, 'POST', `/api/operations/${OP}/purge`, {
    archiveId: record.id,
    sha256: record.sha256,
  });
  await untilWaiting(schema.url, PURGE_BATCH);
  return { a, b, cb, file, record, window, purge, url: schema.url, release: () => locker.query('COMMIT') };
}

/**
 * A purge deletes an operation's fixes in batches after its documents went. A restore of the
 * operation's archive on another instance meanwhile wrote fixes that the purge then deleted (they
 * are the same rows), leaving a restored operation without its track; a hold set meanwhile did not
 * stop it. A batch now checks for a hold and a restore in the transaction that deletes, holding
 * the operation's row, and both a hold and a restore update that row first.
 */
describe('purge and restore on two instances of one store', { timeout: 120_000 }, () => {
  test('a restore on one instance while another is deleting a batch of the operation’s fixes waits for that batch, stops the purge (409) and restores every fix', async (t) => {
    const { b, cb, file, window, purge, url, release } = await purgeWaiting(t);
    const restoring = restore(b, cb, file);
    await untilWaiting(url, 'UPDATE operations SET kept_by');
    await release();
    const stopped = await purge;
    expect([stopped.status, stopped.body.error?.code]).toEqual([409, 'CONFLICT']);
    const restored = await restoring;
    expect(restored.status).toBe(201);
    expect(restored.body.operation).toMatchObject({ id: OP, status: 'closed', purgedAt: null });
    expect(await stored(b, ...window)).toBe(FIXES);
    expect(await b.ctx.storage.purgesUnderWay()).toEqual([]);
  });

  test('an evidence hold set on one instance while another is deleting a batch waits for that batch and stops the purge (409, the rest kept); a restore then ends the purge with every fix', async (t) => {
    const { b, cb, file, window, purge, url, release } = await purgeWaiting(t);
    const holding = api(b, cb, 'PUT', `/api/operations/${OP}/hold`, { kept: true });
    await untilWaiting(url, 'UPDATE operations SET kept_by');
    await release();
    expect((await holding).status).toBe(200);
    // The batch under way when the hold was set went (the hold waited for it); none after it.
    const left = await stored(b, ...window);
    expect(left).toBeLessThan(FIXES);
    const stopped = await purge;
    expect([stopped.status, stopped.body.error?.code]).toEqual([409, 'CONFLICT']);
    expect(await stored(b, ...window)).toBe(left);
    expect(await b.ctx.storage.purgesUnderWay()).toEqual([{ operationId: OP, archiveId: expect.any(String) }]);

    const restored = await restore(b, cb, file);
    expect(restored.status).toBe(201);
    expect(await b.ctx.storage.purgesUnderWay()).toEqual([]);
    expect(await stored(b, ...window)).toBe(FIXES);
  });

  test('the same purge asked for again on the other instance while a batch waits: both answer 200 once every fix of the window is gone', async (t) => {
    const { b, cb, record, window, purge, url, release } = await purgeWaiting(t);
    const again = api(b, cb, 'POST', `/api/operations/${OP}/purge`, { archiveId: record.id, sha256: record.sha256 });
    await untilWaiting(url, PURGE_BATCH, 2);
    await release();
    expect([(await purge).status, (await again).status]).toEqual([200, 200]);
    expect(await stored(b, ...window)).toBe(0);
    expect(await b.ctx.storage.purgesUnderWay()).toEqual([]);
  });

  test('after a purge on one instance and a restore on the other, both load the operation’s documents again (before: the purging instance refused them until restarted)', async (t) => {
    const schema = await createTestSchema(t);
    const a = await startServer(t, { databaseUrl: schema.url, retentionIntervalMs: 0 });
    const b = await startServer(t, { databaseUrl: schema.url, retentionIntervalMs: 0 });
    const ca = (await a.login('commander')).token;
    const cb = (await b.login('commander')).token;
    await searchOp(a, ca, OP, '证据保全');
    const writer = await connectClient(t, a.wsUrl, `${OP}/command`, ca);
    writer.doc.getMap('annotations').set('rally', pointAnnotation('rally', '集结点：禹越镇政府'));
    await until(
      async () => (await a.ctx.storage.readUpdateLog(`${OP}/command`)).length > 1,
      10_000,
      'the annotation stored',
    );
    writer.destroy();
    expect((await closeOp(a, ca, OP)).status).toBe(200);
    const record = (await archiveOp(a, ca, OP)).body;
    const file = await download(a, ca, record);
    const purge = { archiveId: record.id, sha256: record.sha256 };
    expect((await api(a, ca, 'POST', `/api/operations/${OP}/purge`, purge)).status).toBe(200);

    // Purged: refused on both instances, by the room managers as well (storage's word).
    for (const server of [a, b]) {
      const gone = await connectClient(t, server.wsUrl, `${OP}/command`, server === a ? ca : cb, {
        waitSynced: false,
      });
      await eventually(() => gone.rejections.length > 0, 10_000, 'the refusal of a purged document');
      expect(gone.rejections[0]).toContain('OPERATION_PURGED');
      gone.destroy();
      await expect(server.ctx.rooms.get(`${OP}/${DEQING}`)).rejects.toMatchObject({ code: 'OPERATION_PURGED' });
    }
    expect(await a.ctx.storage.readUpdateLog(`${OP}/${DEQING}`)).toEqual([]);

    expect((await restore(b, cb, file)).status).toBe(201);
    for (const [server, token] of [
      [a, ca],
      [b, cb],
    ] as const) {
      const reader = await connectClient(t, server.wsUrl, `${OP}/command`, token);
      expect(reader.rejections).toEqual([]);
      expect(reader.doc.getMap('annotations').get('rally')).toMatchObject({ label: '集结点：禹越镇政府' });
      expect((await server.ctx.rooms.get(`${OP}/${DEQING}`)).doc.getMap('meta').get('schemaVersion')).toBe(1);
    }
  });
});

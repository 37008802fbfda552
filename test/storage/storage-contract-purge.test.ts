import { describe, expect, test } from 'vitest';
import { createPgPool } from '@jointmap/server/storage/pg-pool';
import { migratePg, PG_MIGRATIONS } from '@jointmap/server/storage/pg-schema';
import { PgStorage } from '@jointmap/server/storage/pg-storage';
import { RESTORE_MARK_MAX_MS } from '@jointmap/server/storage/restore-marks';
import { createTestSchema, query } from '../helpers/pg-schema.ts';
import type { PositionFix } from '@jointmap/server/storage/types';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { backends, fix, mapUpdate, operation, station } from './storage-backends.ts';

const AUTHOR = { sessionId: null, userId: null };

/** The record of purges under way (server/src/archive/purge-fixes.ts), on every backend. */
describe.each(backends)('storage contract (purges under way): $name', (backend) => {
  test('a purge of documents with an archive stays under way across a restart until finished with that archive; a restore over it ends it', async (t) => {
    const opened = await backend.open(t);
    let storage = opened.storage;
    await storage.createOperation(operation('op1', { status: 'closed', closedAt: 800 }));
    await storage.createOperation(operation('op2', { status: 'closed', closedAt: 800 }));
    await storage.appendUpdate('op1/command', mapUpdate('k', 'v'), AUTHOR);
    expect(await storage.purgesUnderWay()).toEqual([]);

    await storage.purgeOperationDocs('op1', ['op1/command'], 900, 'a1');
    // Without an archive (nothing left to delete after the documents) no purge is under way.
    await storage.purgeOperationDocs('op2', ['op2/command'], 901);
    expect(await storage.readUpdateLog('op1/command')).toEqual([]);
    expect((await storage.getOperation('op1'))?.purgedAt).toBe(900);
    expect(await storage.purgesUnderWay()).toEqual([{ operationId: 'op1', archiveId: 'a1' }]);

    storage = await opened.reopen();
    expect(await storage.purgesUnderWay()).toEqual([{ operationId: 'op1', archiveId: 'a1' }]);
    await storage.finishPurge('op1', 'another');
    expect(await storage.purgesUnderWay()).toEqual([{ operationId: 'op1', archiveId: 'a1' }]);
    await storage.finishPurge('op1', 'a1');
    expect(await storage.purgesUnderWay()).toEqual([]);
    expect((await storage.getOperation('op1'))?.purgedAt).toBe(900);

    // Restored while its purge was under way: the restored operation has nothing left to purge.
    await storage.purgeOperationDocs('op1', ['op1/command'], 950, 'a2');
    const restored = operation('op1', { status: 'closed', closedAt: 800, restoredAt: 990 });
    await storage.restoreOperation(restored, [{ doc: 'op1/command', updates: [] }], { keptBy: 'cmd', keptAt: 990 });
    expect(await storage.purgesUnderWay()).toEqual([]);
  });

  test('a purge batch deletes exactly the fixes it names (the archive’s), and only while the purge goes on: not before it, nor with another archive, while held, while a restore of it is marked (a live mark, not one a killed restore left), or once finished', async (t) => {
    const { storage } = await backend.open(t);
    await storage.createOperation(operation('op1', { status: 'closed', closedAt: 800 }));
    await storage.appendPositions([1, 2, 3, 4, 5].map((time) => fix('s1', 'u1', time, 'd')));
    // A fix the archive does not hold (another tracker's at the same moment) stays, whenever it came.
    await storage.appendPositions([fix('s1', 'u1', 3, 'late', { receivedAt: 1 })]);
    await storage.appendPositions([fix('s1', 'u2', 2, 'd')]);
    const purge = { operationId: 'op1', archiveId: 'a1' };
    const named = (...times: number[]) => times.map((time) => ({ time, deviceId: 'd' }));
    const drop = async (keys: ReturnType<typeof named>, p = purge) =>
      (await storage.dropPurgedFixes(p, 's1', 'u1', keys))?.dropped ?? null;
    const left = async () => keys(await storage.track('s1', 'u1', 0, 10, 10));

    expect(await drop(named(2))).toBeNull();
    expect(await storage.purgeOperationDocs('op1', ['op1/command'], 900, 'a1')).toBe(true);
    expect(await drop(named(2), { ...purge, archiveId: 'a0' })).toBeNull();
    expect(await drop(named(2, 3))).toBe(2);
    expect(await left()).toEqual(['1:d', '3:late', '4:d', '5:d']);
    // Named again (a resumed run): nothing more goes.
    expect(await drop(named(2, 3))).toBe(0);
    // Only the unit named.
    expect(keys(await storage.track('s1', 'u2', 0, 10, 10))).toEqual(['2:d']);

    expect(await storage.setOperationHold('op1', 'cmd', 950)).toBe(true);
    expect(await drop(named(4))).toBeNull();
    await storage.setOperationHold('op1', null, 951);
    const mark = { operationId: 'op1', stations: ['s1'], from: 0, to: 10, startedAt: Date.now() };
    await storage.markRestore(mark);
    expect(await drop(named(4))).toBeNull();
    expect(await left()).toEqual(['1:d', '3:late', '4:d', '5:d']);
    await storage.unmarkRestore(mark);
    // A mark older than any restore takes was left by one whose process was killed: it stops nothing.
    await storage.markRestore({ ...mark, startedAt: Date.now() - RESTORE_MARK_MAX_MS - 60_000 });
    expect(await drop(named(4))).toBe(1);
    expect(await left()).toEqual(['1:d', '3:late', '5:d']);

    await storage.finishPurge('op1', 'a1');
    expect(await drop(named(5))).toBeNull();
    expect(await left()).toEqual(['1:d', '3:late', '5:d']);
  });

  test('a restore’s fixes: those it added are told (not those already stored) and can be taken back; so can its alerts; its stations come with the operation', async (t) => {
    const { storage } = await backend.open(t);
    await storage.appendPositions([fix('s1', 'u1', 2, 'd')]);
    const added = await storage.restoreFixes([1, 2, 3].map((time) => fix('s1', 'u1', time, 'd')));
    expect(added.map((k) => `${k.stationId}/${k.unitId}/${k.time}:${k.deviceId}`).sort()).toEqual([
      's1/u1/1:d',
      's1/u1/3:d',
    ]);
    expect(await storage.dropRestoredFixes('s1', 'u1', added)).toBe(2);
    expect(keys(await storage.track('s1', 'u1', 0, 10, 10))).toEqual(['2:d']);

    expect(await storage.insertAlert(fixtures.sosAlert('al-1', 'op1', 5))).toBe(true);
    expect(await storage.insertAlert(fixtures.sosAlert('al-2', 'op2', 5))).toBe(true);
    await storage.dropRestoredAlerts('op1', ['al-1', 'al-2']);
    expect(await storage.getAlert('op1', 'al-1')).toBeNull();
    expect(await storage.getAlert('op2', 'al-2')).not.toBeNull();

    await storage.upsertStation(station('s1', { name: '本站' }));
    const restored = operation('op1', { status: 'closed', closedAt: 800, restoredAt: 990 });
    await storage.restoreOperation(restored, [{ doc: 'op1/command', updates: [] }], { keptBy: 'cmd', keptAt: 990 }, [
      station('far', { name: '远方' }),
      station('s1', { name: '档案里的本站' }),
    ]);
    expect(await storage.getStation('far')).toMatchObject({ name: '远方' });
    expect(await storage.getStation('s1')).toMatchObject({ name: '本站' });
  });

  test('the documents of an operation held as evidence are not purged', async (t) => {
    const { storage } = await backend.open(t);
    await storage.createOperation(operation('op1', { status: 'closed', closedAt: 800 }));
    await storage.appendUpdate('op1/command', mapUpdate('k', 'v'), AUTHOR);
    await storage.setOperationHold('op1', 'cmd', 850);
    expect(await storage.purgeOperationDocs('op1', ['op1/command'], 900, 'a1')).toBe(false);
    expect(await storage.readUpdateLog('op1/command')).toHaveLength(1);
    expect((await storage.getOperation('op1'))?.purgedAt).toBeNull();
    expect(await storage.purgesUnderWay()).toEqual([]);
  });
});

const keys = (fixes: readonly PositionFix[]) => fixes.map((f) => `${f.time}:${f.deviceId}`);

/** The PostgreSQL side of server/src/storage/sqlite-purge-upgrade.test.ts: a schema from before the record. */
test('an upgraded PostgreSQL schema keeps its purged operations and has no purge under way; a new purge is recorded as under way', async (t) => {
  const schema = await createTestSchema(t);
  const step = PG_MIGRATIONS.findIndex((m) => m.includes('purging_archive'));
  expect(step).toBeGreaterThan(0);
  const pool = createPgPool(schema.url, () => {});
  try {
    await migratePg(pool, PG_MIGRATIONS.slice(0, step));
  } finally {
    await pool.end();
  }
  for (const [id, purgedAt] of [
    ['gone', 3],
    ['kept', null],
  ] as const)
    await query(
      schema.url,
      `INSERT INTO operations (id, name, kind, status, stations, created_by, created_at, closed_at, purged_at)
       VALUES ($1, $1, 'search', 'closed', '["s1"]', 'cmd', 1, 2, $2)`,
      [id, purgedAt],
    );

  const storage = await PgStorage.open(schema.url);
  t.onTestFinished(() => storage.close());
  expect((await storage.getOperation('gone'))?.purgedAt).toBe(3);
  expect(await storage.purgesUnderWay()).toEqual([]);
  await storage.purgeOperationDocs('kept', ['kept/command'], 4, 'a1');
  expect(await storage.purgesUnderWay()).toEqual([{ operationId: 'kept', archiveId: 'a1' }]);
});

import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { PgStorage } from '@jointmap/server/storage/pg-storage';
import { PG_MIGRATIONS } from '@jointmap/server/storage/pg-schema';
import { isStorageFull } from '@jointmap/server/storage/storage-full';
import { docFromStored } from '@jointmap/server/storage/stored-doc';
import { storedFix } from '@jointmap/server/storage/stored-fix.test-support';
import type { Storage } from '@jointmap/server/storage/types';
import { admin, createTestSchema, query, type TestSchema } from '../helpers/pg-schema.ts';
import { mapOf, mapUpdate } from './storage-backends.ts';

/** Storages on one schema, closed (before the schema is dropped) when the test ends. */
async function instances(
  t: { onTestFinished(fn: () => unknown): void },
  n: number,
): Promise<{ schema: TestSchema; stores: PgStorage[] }> {
  const schema = await createTestSchema();
  const stores: PgStorage[] = [];
  t.onTestFinished(async () => {
    for (const s of stores) await s.close();
    await schema.drop();
  });
  // Opened at once: the migrations race (that is the point of one of the tests).
  stores.push(...(await Promise.all(Array.from({ length: n }, () => PgStorage.open(schema.url)))));
  return { schema, stores };
}

const author = { sessionId: null, userId: null };

describe('PostgreSQL storage across instances', () => {
  test('instances started at once migrate the schema once, and a restart migrates nothing', async (t) => {
    const { schema } = await instances(t, 4);
    const rows = await query(schema.url, 'SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(PG_MIGRATIONS.map((_, i) => i + 1));
    const tables = await admin('SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1', [schema.name]);
    const again = await PgStorage.open(schema.url);
    await again.close();
    expect(await query(schema.url, 'SELECT version FROM schema_migrations')).toHaveLength(PG_MIGRATIONS.length);
    expect(await admin('SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1', [schema.name])).toEqual(
      tables,
    );
  });

  test('concurrent appends from two instances get one dense order, and both load the same state', async (t) => {
    const { stores } = await instances(t, 2);
    const [a, b] = stores as [PgStorage, PgStorage];
    const writes: Promise<number>[] = [];
    for (let i = 0; i < 60; i++) {
      writes.push(a.appendUpdate('op/x', mapUpdate(`a${i}`, `${i}`, 1000 + i), { sessionId: 'sa', userId: 'ua' }));
      writes.push(b.appendUpdate('op/x', mapUpdate(`b${i}`, `${i}`, 2000 + i), { sessionId: 'sb', userId: 'ub' }));
    }
    const seqs = await Promise.all(writes);
    expect([...seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    const log = await a.readUpdateLog('op/x');
    expect(log.map((u) => u.seq)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    // Each append's returned seq names the update it wrote.
    for (let i = 0; i < writes.length; i++) {
      const entry = log[seqs[i]! - 1]!;
      expect(entry.sessionId).toBe(i % 2 ? 'sb' : 'sa');
    }
    const fromA = docFromStored(await a.loadDoc('op/x'));
    const fromB = docFromStored(await b.loadDoc('op/x'));
    expect(Y.encodeStateAsUpdate(fromA)).toEqual(Y.encodeStateAsUpdate(fromB));
    expect(Object.keys(fromA.getMap('m').toJSON())).toHaveLength(120);
  });

  test("a snapshot keeps another instance's update its own state had not seen yet", async (t) => {
    const { stores } = await instances(t, 2);
    const [a, b] = stores as [PgStorage, PgStorage];
    await a.appendUpdate('op/y', mapUpdate('first', '1', 1), author);
    const loaded = await a.loadDoc('op/y', { room: true });
    const room = docFromStored(loaded);
    // B appends (its relay to A is still on the way); then A appends and snapshots its state.
    await b.appendUpdate('op/y', mapUpdate('fromB', '2', 2), author);
    const own = mapUpdate('fromA', '3', 3);
    Y.applyUpdate(room, own);
    const seq = await a.appendUpdate('op/y', own, author);
    expect(seq).toBe(3);
    await a.saveSnapshot('op/y', seq, Y.encodeStateAsUpdate(room));
    const after = await b.loadDoc('op/y');
    expect(after).toMatchObject({ snapshotSeq: 3, updates: [] });
    expect(docFromStored(after).getMap('m').toJSON()).toEqual({ first: '1', fromB: '2', fromA: '3' });
  });

  test("a snapshot keeps an update only another instance's newer snapshot held", async (t) => {
    const { stores } = await instances(t, 2);
    const [a, b] = stores as [PgStorage, PgStorage];
    await a.appendUpdate('op/w', mapUpdate('first', '1', 1), author);
    const room = docFromStored(await a.loadDoc('op/w', { room: true }));
    // B writes and snapshots its update; A's room has not been relayed it yet.
    const roomB = docFromStored(await b.loadDoc('op/w', { room: true }));
    const fromB = mapUpdate('fromB', '2', 2);
    Y.applyUpdate(roomB, fromB);
    await b.saveSnapshot('op/w', await b.appendUpdate('op/w', fromB, author), Y.encodeStateAsUpdate(roomB));
    const own = mapUpdate('fromA', '3', 3);
    Y.applyUpdate(room, own);
    await a.saveSnapshot('op/w', await a.appendUpdate('op/w', own, author), Y.encodeStateAsUpdate(room));
    const after = await b.loadDoc('op/w');
    expect(after).toMatchObject({ snapshotSeq: 3, updates: [] });
    expect(docFromStored(after).getMap('m').toJSON()).toEqual({ first: '1', fromB: '2', fromA: '3' });
  });

  test("an export's read where the room is loaded does not let its snapshot drop another instance's update", async (t) => {
    const { stores } = await instances(t, 2);
    const [a, b] = stores as [PgStorage, PgStorage];
    await a.appendUpdate('op/e', mapUpdate('first', '1', 1), author);
    const room = docFromStored(await a.loadDoc('op/e', { room: true }));
    // B appends; its relay message to A is lost, so A's room never gets the update.
    await b.appendUpdate('op/e', mapUpdate('fromB', '2', 2), author);
    // An export (or a report) on A reads the document from the log, with B's update.
    const exported = docFromStored(await a.loadDoc('op/e'));
    expect(exported.getMap('m').toJSON()).toEqual({ first: '1', fromB: '2' });
    const own = mapUpdate('fromA', '3', 3);
    Y.applyUpdate(room, own);
    await a.saveSnapshot('op/e', await a.appendUpdate('op/e', own, author), Y.encodeStateAsUpdate(room));
    const after = await b.loadDoc('op/e');
    expect(after).toMatchObject({ snapshotSeq: 3, updates: [] });
    expect(docFromStored(after).getMap('m').toJSON()).toEqual({ first: '1', fromB: '2', fromA: '3' });
  });

  test('one instance alone writes the state it was given as the snapshot', async (t) => {
    const { stores } = await instances(t, 1);
    const [a] = stores as [PgStorage];
    await a.loadDoc('op/z', { room: true });
    const room = new Y.Doc();
    for (let i = 0; i < 3; i++) {
      const u = mapUpdate(`k${i}`, `${i}`, 10 + i);
      Y.applyUpdate(room, u);
      await a.appendUpdate('op/z', u, author);
    }
    const state = Y.encodeStateAsUpdate(room);
    await a.saveSnapshot('op/z', 3, state);
    expect((await a.loadDoc('op/z')).snapshot).toEqual(state);
  });

  test('a room still loaded on another instance cannot write a purged document back with its snapshot', async (t) => {
    const { stores } = await instances(t, 2);
    const [a, b] = stores as [PgStorage, PgStorage];
    await b.loadDoc('op/p', { room: true });
    const room = new Y.Doc();
    const u = mapUpdate('k', 'v', 7);
    Y.applyUpdate(room, u);
    const seq = await b.appendUpdate('op/p', u, author);
    await a.purgeOperationDocs('op', ['op/p'], Date.now());
    // B unloads its room after the purge: its snapshot would hold the purged record.
    await b.saveSnapshot('op/p', seq, Y.encodeStateAsUpdate(room));
    expect(await a.loadDoc('op/p')).toMatchObject({ snapshot: null, snapshotSeq: 0, lastSeq: 0 });
  });

  test('racing snapshot writers: the stored snapshot only moves forward and matches its seq', async (t) => {
    const { stores } = await instances(t, 2);
    const [a, b] = stores as [PgStorage, PgStorage];
    const updates: Uint8Array[] = [];
    for (let i = 0; i < 20; i++) {
      updates.push(mapUpdate(`k${i}`, `${i}`, 100 + i));
      await a.appendUpdate('op/s', updates[i]!, author);
    }
    await a.loadDoc('op/s', { room: true });
    await b.loadDoc('op/s', { room: true });
    const stateAt = (n: number) =>
      Y.encodeStateAsUpdate(docFromStored({ ...emptyStored, updates: updates.slice(0, n) }));
    const writes: Promise<void>[] = [];
    for (let n = 1; n <= 20; n++) writes.push((n % 2 ? a : b).saveSnapshot('op/s', n, stateAt(n)));
    await Promise.all(writes);
    const loaded = await a.loadDoc('op/s');
    expect(loaded.snapshotSeq).toBe(20);
    expect(Object.keys(docFromStored(loaded).getMap('m').toJSON())).toHaveLength(20);
    await b.saveSnapshot('op/s', 5, stateAt(5));
    expect((await b.loadDoc('op/s')).snapshotSeq).toBe(20);
  });

  test('overlapping position batches from two instances at once: no deadlock, the newest fix wins', async (t) => {
    const { stores } = await instances(t, 2);
    const [a, b] = stores as [PgStorage, PgStorage];
    const units = Array.from({ length: 60 }, (_, i) => `u${String(i).padStart(2, '0')}`);
    const batch = (n: number, reverse: boolean) => {
      const fixes = units.flatMap((u) => [
        fixAt(n * 10, u, 'dev-a'),
        fixAt(n * 10, u, 'dev-b'),
        fixAt(n * 10 - 5, u, 'dev-a'),
      ]);
      return reverse ? fixes.reverse() : fixes;
    };
    // The same fixes from both instances, in opposite unit order: locks taken in different orders deadlock.
    await Promise.all(
      Array.from({ length: 20 }, (_, n) => [
        a.appendPositions(batch(n, false)),
        b.appendPositions(batch(n, true)),
      ]).flat(),
    );
    const latest = await b.latestPositions();
    expect(latest.map((f) => [f.unitId, f.time, f.deviceId]).sort()).toEqual(units.map((u) => [u, 190, 'dev-b']));
    expect(await a.track('s', 'u01', -1_000, 1_000, 1_000)).toHaveLength(60);
  });

  test('ended sessions from two instances appear once each, in increasing feed order', async (t) => {
    const { stores } = await instances(t, 2);
    const [a, b] = stores as [PgStorage, PgStorage];
    for (let i = 0; i < 40; i++)
      await a.createSession({ id: `x${i}`, accountId: 'acc', createdAt: 1, expiresAt: 9e12 });
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).endSession(`x${i}`, 'logout', 5)));
    const feed = await b.sessionEndsAfter(0, 100);
    expect(feed.map((e) => e.sessionId).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `x${i}`).sort());
    for (let i = 1; i < feed.length; i++) expect(feed[i]!.seq).toBeGreaterThan(feed[i - 1]!.seq);
  });
});

const fixAt = (time: number, unitId = 'u', deviceId = 'd') =>
  storedFix({ stationId: 's', unitId, deviceId, time, lng: 1, lat: 1 });

const emptyStored = { snapshot: null, snapshotSeq: 0, lastSeq: 0, updates: [] as Uint8Array[] };

describe('PostgreSQL storage figures', () => {
  test('sizes per table from pg_total_relation_size, with rows and bytes per update and per fix', async (t) => {
    const { stores } = await instances(t, 1);
    const [s] = stores as [PgStorage];
    for (let i = 0; i < 5; i++) await s.appendUpdate('op/f', mapUpdate(`k${i}`, 'v'.repeat(100), 50 + i), author);
    await s.appendPositions([fixAt(1), fixAt(2), fixAt(3)]);
    const figures = await s.figures(123);
    const store = (name: string) => figures.stores.find((x) => x.store === name);
    expect(store('doc_updates')).toMatchObject({ rows: 5 });
    expect(store('positions_track')).toMatchObject({ rows: 3 });
    expect(store('doc_updates')!.bytes).toBeGreaterThan(0);
    expect(store('alerts')).toMatchObject({ rows: null });
    expect(figures.bytesPerUpdate).toBe(store('doc_updates')!.bytes / 5);
    expect(figures.bytesPerFix).toBe(store('positions_track')!.bytes / 3);
    expect(figures.fileBytes).toBe(figures.stores.reduce((sum, x) => sum + x.bytes, 0));
    expect(figures.measuredAt).toBe(123);
  });
});

describe('PostgreSQL storage failures', () => {
  test('an unreachable database is STORAGE_UNAVAILABLE', async () => {
    await expect(PgStorage.open('postgres://postgres@127.0.0.1:1/test')).rejects.toMatchObject({
      code: 'STORAGE_UNAVAILABLE',
    });
  });

  test('connections killed by the server: calls fail coded or succeed, and service resumes by itself', async (t) => {
    const { schema, stores } = await instances(t, 1);
    const [s] = stores as [Storage & PgStorage];
    await s.appendUpdate('op/k', mapUpdate('a', '1'), author);
    const killed = await admin(
      'SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = $1',
      [schema.name],
    );
    expect(killed.length).toBeGreaterThan(0);
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      try {
        await s.appendUpdate('op/k', mapUpdate(`b${i}`, '2', 10 + i), author);
        outcomes.push('ok');
      } catch (err) {
        outcomes.push((err as { code?: string }).code ?? String(err));
      }
    }
    expect(outcomes.every((o) => o === 'ok' || o === 'STORAGE_UNAVAILABLE')).toBe(true);
    expect(outcomes.at(-1)).toBe('ok');
    // Nothing acknowledged was lost, nothing refused was stored.
    const stored = mapOf((await s.readUpdateLog('op/k')).map((u) => u.update));
    expect(Object.keys(stored)).toEqual(['a', ...outcomes.flatMap((o, i) => (o === 'ok' ? [`b${i}`] : []))].sort());
  });

  test('a connection lost mid-write is STORAGE_UNAVAILABLE, stores nothing, and the next write works', async (t) => {
    const { schema, stores } = await instances(t, 1);
    const [s] = stores as [PgStorage];
    // A write that takes long enough to be cut off in the middle.
    await query(
      schema.url,
      `CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(30); RETURN NEW; END $$;
       CREATE TRIGGER slow BEFORE INSERT ON positions_track FOR EACH ROW EXECUTE FUNCTION slow();`,
    );
    const write = s.appendPositions([fixAt(1)]).catch((e: unknown) => e);
    let killed: unknown[] = [];
    for (let i = 0; i < 200 && !killed.length; i++) {
      killed = await admin(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = $1 AND wait_event = 'PgSleep'`,
        [schema.name],
      );
      if (!killed.length) await new Promise((r) => setTimeout(r, 25));
    }
    expect(killed).toHaveLength(1);
    expect(await write).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    await query(schema.url, 'DROP TRIGGER slow ON positions_track');
    expect(await s.latestPositions()).toEqual([]);
    await s.appendPositions([fixAt(2)]);
    expect((await s.latestPositions()).map((f) => f.time)).toEqual([2]);
  });

  test('a full disk (SQLSTATE 53100) is refused as STORAGE_FULL would be, and nothing is stored', async (t) => {
    const { schema, stores } = await instances(t, 1);
    const [s] = stores as [PgStorage];
    await query(
      schema.url,
      `CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; END $$;
       CREATE TRIGGER disk_full BEFORE INSERT ON doc_updates FOR EACH ROW EXECUTE FUNCTION disk_full();
       CREATE TRIGGER disk_full BEFORE INSERT ON positions_track FOR EACH ROW EXECUTE FUNCTION disk_full();`,
    );
    const append = s.appendUpdate('op/f', mapUpdate('a', '1'), author).catch((e: unknown) => e);
    expect(isStorageFull(await append)).toBe(true);
    const fixes = s.appendPositions([fixAt(1)]).catch((e: unknown) => e);
    expect(isStorageFull(await fixes)).toBe(true);
    expect(await s.readUpdateLog('op/f')).toEqual([]);
    expect(await s.latestPositions()).toEqual([]);
  });
});

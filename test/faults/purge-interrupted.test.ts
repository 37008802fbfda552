import { rmSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { PgStorage } from '@jointmap/server/storage/pg-storage';
import { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import type { ArchiveRecord, Operation, Storage } from '@jointmap/server/storage/types';
import { archiveOp, closeOp, streetFixes, searchOp } from '../api/archive-helpers.ts';
import { createTestSchema, query } from '../helpers/pg-schema.ts';
import { login, spawnServer, startServer, tempDir, type Teardown, type TestServer } from '../helpers/server.ts';
import { DEQING } from '../helpers/tasks.ts';
import { api } from '../live/live-helpers.ts';

const OP = 'op-night';
const UNIT = 'yuyue-car-01';
const DAY = 24 * 3600_000;
/** Enough fixes that a purge deleting 10 at a time is still at it when killed. */
const FIXES = 20_000;

/** Config and environment of a server on a store, and SQL on it (`?` placeholders). */
interface OpenedStore {
  config: { databaseUrl?: string };
  env: Record<string, string>;
  exec(server: TestServer, sql: string, values: unknown[]): Promise<void>;
}

/** The backend a test runs on: SQLite in the data dir, or a fresh PostgreSQL schema. */
interface Store {
  name: 'sqlite' | 'postgres';
  open(t: Teardown): Promise<OpenedStore>;
}

/** Poll an async condition every 20 ms. */
async function until(predicate: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!(await predicate())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The store of a data dir opened while no server runs on it (what an operator's tool does). */
async function offline<T>(dataDir: string, config: { databaseUrl?: string }, fn: (s: Storage) => Promise<T>) {
  const storage = config.databaseUrl ? await PgStorage.open(config.databaseUrl) : new SqliteStorage(dataDir);
  try {
    return await fn(storage);
  } finally {
    await storage.close();
  }
}

const stores: Store[] = [
  {
    name: 'sqlite',
    open: async () => ({
      config: {},
      env: {},
      exec: async (server, sql, values) => void (server.ctx.storage as SqliteStorage).db.prepare(sql).run(...values),
    }),
  },
  {
    name: 'postgres',
    async open(t) {
      const schema = await createTestSchema(t);
      return {
        config: { databaseUrl: schema.url },
        env: { DATABASE_URL: schema.url },
        async exec(_server, sql, values) {
          let i = 0;
          await query(
            schema.url,
            sql.replace(/\?/g, () => `$${++i}`),
            values,
          );
        },
      };
    },
  },
];

/**
 * An operation of three days ago (before the demo operation, which would keep the fixes of its
 * own window) with FIXES fixes, closed and archived; its purge is then begun on a child server
 * that is killed with SIGKILL once the documents went and before the fixes all did.
 */
async function interruptedPurge(t: Teardown, store: Store) {
  const dataDir = tempDir('jointmap-purge-');
  t.onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
  const { config, env, exec } = await store.open(t);
  const now = Date.now();
  const a = await startServer(null, { dataDir, retentionIntervalMs: 0, ...config });
  const ca = (await a.login('commander')).token;
  await searchOp(a, ca, OP, '夜间巡逻');
  const created = now - 3 * DAY;
  await exec(a, 'UPDATE operations SET created_at = ? WHERE id = ?', [created, OP]);
  const fixes = streetFixes(DEQING, UNIT, created + 1000, FIXES);
  for (let i = 0; i < fixes.length; i += 5000) await a.ctx.storage.appendPositions(fixes.slice(i, i + 5000));
  expect((await closeOp(a, ca, OP)).status).toBe(200);
  const record = (await archiveOp(a, ca, OP)).body;
  await a.close();

  const child = await spawnServer(dataDir, { RETENTION_BATCH: '10', RETENTION_INTERVAL_MS: '0', ...env });
  t.onTestFinished(() => child.kill());
  const token = (await login(child.url, 'commander')).token;
  void fetch(`${child.url}/api/operations/${OP}/purge`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ archiveId: record.id, sha256: record.sha256 }),
  }).catch(() => undefined);
  const purgedAt = async () => {
    const res = await fetch(`${child.url}/api/operations/${OP}`, { headers: { authorization: `Bearer ${token}` } });
    return ((await res.json()) as Operation).purgedAt ?? null;
  };
  await until(async () => (await purgedAt()) != null, 60_000, 'the documents purged');
  await child.kill('SIGKILL');
  // Cut short: the operation is purged, and (some of) its fixes are left.
  await offline(dataDir, config, async (s) => {
    expect((await s.getOperation(OP))?.purgedAt).not.toBeNull();
    expect(await leftIn(s, created, now)).toBeGreaterThan(0);
  });
  return { dataDir, config, created, now, record };
}

/** Fixes of the unit still stored in the operation's window. */
const leftIn = (storage: Storage, from: number, to: number) =>
  storage.track(DEQING, UNIT, from, to, 1_000_000).then((f) => f.length);

const purgeAgain = (server: TestServer, token: string, record: ArchiveRecord) =>
  api<{ operation?: Operation; error?: { code: string } }>(server, token, 'POST', `/api/operations/${OP}/purge`, {
    archiveId: record.id,
    sha256: record.sha256,
  });

describe.each(stores)('a purge killed part-way: $name', { timeout: 180_000 }, (store) => {
  test('a purge killed with SIGKILL after its documents went is finished at the next start: no fix of its window is left, and purging again answers 410', async (t) => {
    const { dataDir, config, created, now, record } = await interruptedPurge(t, store);
    const b = await startServer(t, { dataDir, retentionIntervalMs: 0, ...config });
    const cb = (await b.login('commander')).token;
    await until(async () => (await b.ctx.storage.purgesUnderWay()).length === 0, 60_000, 'the purge finished');
    expect(await leftIn(b.ctx.storage, created, now)).toBe(0);
    const qs = new URLSearchParams({
      stationId: DEQING,
      from: new Date(created).toISOString(),
      to: new Date(now).toISOString(),
    });
    const track = await api<{ features: Array<{ properties: { count: number } }> }>(
      b,
      cb,
      'GET',
      `/api/units/${UNIT}/track?${qs}`,
    );
    expect(track.body.features.reduce((n, f) => n + f.properties.count, 0)).toBe(0);
    const again = await purgeAgain(b, cb, record);
    expect([again.status, again.body.error?.code]).toEqual([410, 'OPERATION_PURGED']);
  });

  test('a purge killed with SIGKILL and held meanwhile is not finished at start; asked for again once the hold is lifted, it deletes the rest of its fixes', async (t) => {
    const { dataDir, config, created, now, record } = await interruptedPurge(t, store);
    // Held after the crash, before the restart: the purge waits, at start and when asked for.
    await offline(dataDir, config, (s) => s.setOperationHold(OP, 'commander', now));
    const b = await startServer(t, { dataDir, retentionIntervalMs: 0, ...config });
    const cb = (await b.login('commander')).token;
    // (Measured now: on PostgreSQL a batch sent before the kill may still have committed after it.)
    const left = await leftIn(b.ctx.storage, created, now);
    expect(left).toBeGreaterThan(0);
    const held = await purgeAgain(b, cb, record);
    expect([held.status, held.body.error?.code]).toEqual([409, 'CONFLICT']);
    expect(await leftIn(b.ctx.storage, created, now)).toBe(left);
    expect(await b.ctx.storage.setOperationHold(OP, null, Date.now())).toBe(true);

    const finished = await purgeAgain(b, cb, record);
    expect(finished.status).toBe(200);
    expect(finished.body.operation?.purgedAt).not.toBeNull();
    expect(await leftIn(b.ctx.storage, created, now)).toBe(0);
    expect(await b.ctx.storage.purgesUnderWay()).toEqual([]);
    expect((await purgeAgain(b, cb, record)).status).toBe(410);
  });
});

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import { admin, createTestSchema, PG_ADMIN_URL, urlWithSchema } from '../helpers/pg-schema.ts';
import { DEMO_OP, startServer, tempDir, type TestServer } from '../helpers/server.ts';
import { api } from '../live/live-helpers.ts';
import { Database } from '../helpers/server-sqlite.ts';

/**
 * The backups of docs/deploy.md: a SQLite online backup of a running server, and
 * `pg_dump`/`pg_restore` (the commands as written there) into a fresh database;
 * a server started on the restored copy loads the documents as they were at the backup.
 */
async function stationDoc(server: TestServer): Promise<unknown> {
  const room = await server.ctx.rooms.get(`${DEMO_OP}/deqing-yuyue`);
  await room.idle();
  return room.doc.getMap('units').toJSON();
}

async function addUnit(server: TestServer, token: string, id: string): Promise<void> {
  const res = await api(server, token, 'POST', `/api/operations/${DEMO_OP}/units`, {
    id,
    callsign: id,
    kind: 'car',
    stationId: 'deqing-yuyue',
  });
  expect(res.status).toBe(201);
}

describe('backups restore into a fresh store and the documents load', () => {
  it('SQLite: an online backup taken while the server runs', async (t) => {
    const dataDir = tempDir();
    const restoreDir = tempDir();
    t.onTestFinished(() => {
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(restoreDir, { recursive: true, force: true });
    });
    const server = await startServer(t, { dataDir }, { storage: (dir) => new SqliteStorage(dir) });
    const { token } = await server.login('commander');
    await addUnit(server, token, 'before-backup');
    const atBackup = await stationDoc(server);
    mkdirSync(restoreDir, { recursive: true });
    // SQLite's online backup API, as `sqlite3 jointmap.sqlite ".backup …"` uses it (the CLI is not
    // on every machine; better-sqlite3 calls the same API), from a second connection.
    const live = new Database(join(dataDir, 'jointmap.sqlite'), { readonly: true });
    try {
      await live.backup(join(restoreDir, 'jointmap.sqlite'));
    } finally {
      live.close();
    }
    await addUnit(server, token, 'after-backup');
    await server.close();

    const restored = await startServer(t, { dataDir: restoreDir }, { storage: (dir) => new SqliteStorage(dir) });
    expect(await stationDoc(restored)).toEqual(atBackup);
    expect(Object.keys(atBackup as object)).toContain('before-backup');
  });

  it('PostgreSQL: pg_dump of the schema, pg_restore into a new database', async (t) => {
    const schema = await createTestSchema(t);
    const db = `jm_restore_${randomBytes(5).toString('hex')}`;
    const dumpDir = tempDir();
    const dump = join(dumpDir, 'jointmap.dump');
    const server = await startServer(t, { databaseUrl: schema.url });
    const { token } = await server.login('commander');
    await addUnit(server, token, 'before-backup');
    const atBackup = await stationDoc(server);
    execFileSync('pg_dump', ['--format=custom', `--schema=${schema.name}`, `--file=${dump}`, PG_ADMIN_URL]);
    await server.close();

    await admin(`CREATE DATABASE ${db}`);
    t.onTestFinished(async () => {
      await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      rmSync(dumpDir, { recursive: true, force: true });
    });
    const target = new URL(PG_ADMIN_URL);
    target.pathname = `/${db}`;
    execFileSync('pg_restore', ['--no-owner', `--dbname=${target.toString()}`, dump]);
    const restored = await startServer(t, { databaseUrl: urlWithSchema(target.toString(), schema.name) });
    expect(await stationDoc(restored)).toEqual(atBackup);
    // And it is writable: the per-document heads came along.
    await addUnit(restored, (await restored.login('commander')).token, 'after-restore');
  });
});

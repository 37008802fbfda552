import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { buildApp } from '@jointmap/server';
import { defaultConfig } from '@jointmap/server/config';
import { docFromStored } from '@jointmap/server/storage/stored-doc';
import { DEMO_OP, startServer, tempDir, type TestServer } from '../helpers/server.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { openRaw, syncStep1Frame, updateFrame } from '../helpers/raw-connection.ts';
import { connectClient, eventually } from '../helpers/sync-client.ts';
import { createTestSchema, query } from '../helpers/pg-schema.ts';

/** The whole server on PostgreSQL, chosen by DATABASE_URL (config `databaseUrl`). */
describe('server on PostgreSQL', () => {
  test('DATABASE_URL selects PostgreSQL; an edit by a stock y-websocket client survives a restart', async (t) => {
    const schema = await createTestSchema();
    const dirs = [tempDir(), tempDir()];
    const servers: TestServer[] = [];
    t.onTestFinished(async () => {
      for (const s of servers) await s.close();
      await schema.drop();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });
    // A snapshot every 2 updates, so the restart loads a snapshot plus the log after it.
    const overrides = { databaseUrl: schema.url, snapshotEvery: 2 };
    // A data directory that does not exist yet: the first start makes it for the demo logins.
    const firstDir = join(dirs[0]!, 'not-yet');
    const first = await startServer(null, { ...overrides, dataDir: firstDir });
    servers.push(first);
    expect(first.ctx.storage.kind).toBe('postgres');
    expect(existsSync(join(firstDir, 'demo-logins.txt'))).toBe(true);
    const doc = `${DEMO_OP}/deqing-yuyue`;
    const a = await connectClient(t, first.wsUrl, doc, (await first.login('deqing')).token);
    for (const id of ['p1', 'p2', 'p3']) a.doc.getMap('annotations').set(id, pointAnnotation(id, `标注 ${id}`));
    // Stored (the server appends before it relays): wait until the log holds all three edits.
    await waitFor(async () => (await first.ctx.storage.readUpdateLog(doc)).length >= 3);
    expect(a.rejections).toEqual([]);
    a.destroy();
    await first.close();

    // Another process's data dir: nothing of the document can come from the first one's files.
    const second = await startServer(null, { ...overrides, dataDir: dirs[1] });
    servers.push(second);
    const b = await connectClient(t, second.wsUrl, doc, (await second.login('deqing')).token);
    expect(Object.keys(b.doc.getMap('annotations').toJSON()).sort()).toEqual(['p1', 'p2', 'p3']);
    expect(b.doc.getMap('annotations').get('p2')).toEqual(pointAnnotation('p2', '标注 p2'));
    const snapshots = await query(schema.url, 'SELECT seq FROM doc_snapshots WHERE doc = $1', [doc]);
    expect(snapshots).toHaveLength(1);
    // The demo was seeded once, into PostgreSQL.
    const accounts = await query(schema.url, 'SELECT count(*)::int AS n FROM accounts');
    expect(accounts[0]!.n).toBeGreaterThan(0);
    expect(await second.ctx.storage.countAccounts()).toBe(accounts[0]!.n);
  });

  test('a full disk on PostgreSQL (53100): ingest and edits are refused with STORAGE_FULL, then work again', async (t) => {
    const schema = await createTestSchema();
    const dir = tempDir();
    let server: TestServer | null = null;
    t.onTestFinished(async () => {
      await server?.close();
      await schema.drop();
      rmSync(dir, { recursive: true, force: true });
    });
    server = await startServer(null, { databaseUrl: schema.url, dataDir: dir });
    const { token } = await server.login('deqing');
    const raw = openRaw(t, server, DOC, token);
    await raw.opened;
    raw.send([syncStep1Frame(new Uint8Array([0]))]);
    await eventually(() => raw.syncStep2 >= 1, 10_000, 'the first sync');
    await query(
      schema.url,
      `CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; END $$;
       CREATE TRIGGER disk_full BEFORE INSERT ON doc_updates FOR EACH ROW EXECUTE FUNCTION disk_full();
       CREATE TRIGGER disk_full BEFORE INSERT ON positions_track FOR EACH ROW EXECUTE FUNCTION disk_full();`,
    );
    const refused = await upload(server, Date.now() - 60_000);
    expect(refused.status).toBe(507);
    expect(await refused.json()).toMatchObject({ error: { code: 'STORAGE_FULL' } });

    const doc = new Y.Doc();
    let update: Uint8Array | null = null;
    doc.on('update', (u: Uint8Array) => (update = u));
    doc.getMap('annotations').set('full-1', pointAnnotation('full-1', '磁盘满'));
    raw.send([updateFrame(update!)]);
    await eventually(() => raw.closed !== null, 10_000, 'the connection closed');
    expect(raw.codes).toContain('STORAGE_FULL');
    expect(raw.closed?.reason).toBe('STORAGE_FULL');

    // Space is freed: nothing refused was stored, and it all works again.
    await query(schema.url, 'DROP TRIGGER disk_full ON doc_updates; DROP TRIGGER disk_full ON positions_track');
    const stored = docFromStored(await server.ctx.storage.loadDoc(DOC)).getMap('annotations');
    expect(stored.has('full-1')).toBe(false);
    expect(await server.ctx.storage.track('deqing-yuyue', 'yuyue-car-01', 0, Date.now(), 10)).toEqual([]);
    expect((await upload(server, Date.now() - 30_000)).status).toBe(200);
    const again = await connectClient(t, server.wsUrl, DOC, token);
    again.doc.getMap('annotations').set('full-2', pointAnnotation('full-2', '恢复'));
    await waitFor(async () =>
      docFromStored(await server!.ctx.storage.loadDoc(DOC))
        .getMap('annotations')
        .has('full-2'),
    );
  });

  test('REDIS_URL is still refused with its message', async () => {
    const dir = tempDir();
    try {
      await expect(
        buildApp(defaultConfig({ dataDir: dir, redisUrl: 'redis://127.0.0.1:6379' }), { logger: false }),
      ).rejects.toThrow(/REDIS_URL/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const DOC = `${DEMO_OP}/deqing-yuyue`;

/** A Traccar JSON upload of one fix of the demo tracker `demo-yuyue-01` (unit yuyue-car-01). */
function upload(server: TestServer, time: number) {
  return fetch(`${server.url}/api/positions/osmand`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([{ id: 'demo-yuyue-01', lat: 30.5, lon: 120.3, timestamp: new Date(time).toISOString() }]),
  });
}

async function waitFor(predicate: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!(await predicate())) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

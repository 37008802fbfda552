import { describe, expect, test } from 'vitest';
import type { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import { startServer } from '../helpers/server.ts';
import { connectClient } from '../helpers/sync-client.ts';

const OP = 'op-atomic';

describe('creating an operation', () => {
  test('a storage whose second write (the command document) fails leaves no half-created operation', async (t) => {
    const server = await startServer(t);
    const db = (server.ctx.storage as SqliteStorage).db;
    const { token } = await server.login('commander');
    const create = () =>
      fetch(`${server.url}/api/operations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: OP, name: '危化品车辆监控', kind: 'monitoring', stations: ['tongxiang-zhouquan'] }),
      });
    const operationRows = () => db.prepare('SELECT * FROM operations WHERE id = ?').all(OP);
    const commandUpdates = () => db.prepare('SELECT seq FROM doc_updates WHERE doc = ?').all(`${OP}/command`);

    // The operation row can be written; the document log cannot (a full disk, say).
    db.exec(
      `CREATE TEMP TRIGGER doc_log_full BEFORE INSERT ON doc_updates BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`,
    );
    const failed = await create();
    expect(failed.status).toBe(503);
    expect(((await failed.json()) as { error: { code: string } }).error.code).toBe('STORAGE_UNAVAILABLE');
    expect(operationRows()).toEqual([]);
    expect(commandUpdates()).toEqual([]);
    expect(await server.ctx.storage.getOperation(OP)).toBeNull();
    const list = (await (
      await fetch(`${server.url}/api/operations`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { operations: Array<{ id: string }> };
    expect(list.operations.map((o) => o.id)).not.toContain(OP);

    // Storage works again: the same operation can be created, whole (not "already exists").
    db.exec('DROP TRIGGER doc_log_full');
    const created = await create();
    expect(created.status).toBe(201);
    expect(operationRows()).toHaveLength(1);
    expect(commandUpdates()).toEqual([{ seq: 1 }]);
    const client = await connectClient(t, server.wsUrl, `${OP}/command`, token);
    expect(client.doc.getMap('meta').get('operation')).toMatchObject({
      id: OP,
      name: '危化品车辆监控',
      kind: 'monitoring',
      stations: ['tongxiang-zhouquan'],
    });
    expect(client.doc.getMap('meta').get('schemaVersion')).toBe(1);
  });

  test('two creations of one id at once: one is created, the other is told CONFLICT, the command document is written once', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('commander');
    const create = () =>
      fetch(`${server.url}/api/operations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: OP, name: '双击', kind: 'monitoring', stations: ['tongxiang-zhouquan'] }),
      });
    const statuses = (await Promise.all([create(), create()])).map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409]);
    const db = (server.ctx.storage as SqliteStorage).db;
    expect(db.prepare('SELECT seq FROM doc_updates WHERE doc = ?').all(`${OP}/command`)).toEqual([{ seq: 1 }]);
  });
});

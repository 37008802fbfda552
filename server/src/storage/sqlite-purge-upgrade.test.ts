import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { SQLITE_MIGRATIONS } from './sqlite-schema.ts';
import { SqliteStorage } from './sqlite-storage.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

it('an upgraded store keeps its purged operations and has no purge under way; a new purge is recorded as under way', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-purge-upgrade-'));
  dirs.push(dir);
  const step = SQLITE_MIGRATIONS.findIndex((m) => m.includes('purging_archive'));
  expect(step).toBeGreaterThan(0);
  const old = new Database(join(dir, 'jointmap.sqlite'));
  for (const sql of SQLITE_MIGRATIONS.slice(0, step)) old.exec(sql);
  old.pragma(`user_version = ${step}`);
  const insert = old.prepare(
    `INSERT INTO operations (id, name, kind, status, stations, created_by, created_at, closed_at, purged_at)
     VALUES (?, ?, 'search', 'closed', '["s1"]', 'cmd', 1, 2, ?)`,
  );
  insert.run('gone', '已清理', 3);
  insert.run('kept', '未清理', null);
  old.close();

  const storage = new SqliteStorage(dir);
  try {
    expect((await storage.getOperation('gone'))?.purgedAt).toBe(3);
    expect(await storage.purgesUnderWay()).toEqual([]);
    await storage.purgeOperationDocs('kept', ['kept/command'], 4, 'a1');
    expect(await storage.purgesUnderWay()).toEqual([{ operationId: 'kept', archiveId: 'a1' }]);
  } finally {
    await storage.close();
  }
});

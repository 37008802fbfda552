import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { SQLITE_MIGRATIONS } from './sqlite-schema.ts';
import { SqliteStorage } from './sqlite-storage.ts';
import type { Account } from './types.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const account = (id: string, over: Partial<Account> = {}): Account => ({
  id,
  username: id,
  name: id,
  role: 'viewer',
  stationId: null,
  passwordHash: `hash-${id}`,
  disabled: false,
  createdAt: 1,
  ...over,
});

it("an upgraded store: a new password hash ends sessions; accounts from before are not the file's", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-accounts-upgrade-'));
  dirs.push(dir);
  // The step that added the marks (later ones follow it).
  const step = SQLITE_MIGRATIONS.findIndex((m) => m.includes('from_accounts_file'));
  expect(step).toBeGreaterThan(0);
  const old = new Database(join(dir, 'jointmap.sqlite'));
  for (const sql of SQLITE_MIGRATIONS.slice(0, step)) old.exec(sql);
  old.pragma(`user_version = ${step}`);
  const insert = old.prepare(
    `INSERT INTO accounts (id, username, name, role, station_id, password_hash, disabled, created_at)
     VALUES (?, ?, ?, 'viewer', NULL, ?, 0, 1)`,
  );
  const session = old.prepare('INSERT INTO sessions (id, account_id, created_at, expires_at) VALUES (?, ?, 1, 9e12)');
  for (const id of ['kept', 'reset', 'dropped']) {
    insert.run(id, id, id, `hash-${id}`);
    session.run(`s-${id}`, id);
  }
  old.close();

  const storage = new SqliteStorage(dir);
  try {
    expect(storage.db.prepare('SELECT DISTINCT from_accounts_file FROM accounts').pluck().all()).toEqual([0]);
    // The first start of the new version with the file: the same hash for one, a new one for another.
    // "dropped" was in the file before the upgrade, which no store recorded: it is left alone.
    const applied = await storage.applyAccounts({
      stations: [],
      accounts: [account('kept'), account('reset', { passwordHash: 'hash-new' })],
      devices: [],
    });
    expect(applied).toEqual({ retired: [] });
    expect((await storage.sessionEndsAfter(0, 10)).map((e) => e.sessionId)).toEqual(['s-reset']);
    expect((await storage.getSession('s-kept'))?.endedAt).toBeNull();
    expect((await storage.getAccount('dropped'))?.disabled).toBe(false);
    // From now on the file's: left out of the next start's file, "kept" is disabled.
    expect(await storage.applyAccounts({ stations: [], accounts: [account('reset')], devices: [] })).toEqual({
      retired: ['kept'],
    });
    expect((await storage.getSession('s-kept'))?.endReason).toBe('account_changed');
  } finally {
    await storage.close();
  }
});

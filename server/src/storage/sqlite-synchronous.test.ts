import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { buildApp } from '../app.ts';
import { defaultConfig, loadConfig } from '../config.ts';
import { SqliteStorage } from './sqlite-storage.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-sync-level-'));
  dirs.push(dir);
  return dir;
};

/** SQLite's numbers for `PRAGMA synchronous`. */
const NORMAL = 1;
const FULL = 2;

describe('SQLITE_SYNCHRONOUS', () => {
  test('is normal by default, full or normal when set, and anything else stops the start', () => {
    expect(defaultConfig().sqliteSynchronous).toBe('normal');
    expect(loadConfig({ SQLITE_SYNCHRONOUS: 'full' }).sqliteSynchronous).toBe('full');
    expect(loadConfig({ SQLITE_SYNCHRONOUS: 'FULL' }).sqliteSynchronous).toBe('full');
    expect(loadConfig({ SQLITE_SYNCHRONOUS: 'normal' }).sqliteSynchronous).toBe('normal');
    expect(() => loadConfig({ SQLITE_SYNCHRONOUS: 'off' })).toThrow(/SQLITE_SYNCHRONOUS must be normal or full/);
  });

  test('the storage runs with the level asked for', async () => {
    for (const [options, level] of [
      [{}, NORMAL],
      [{ synchronous: 'normal' }, NORMAL],
      [{ synchronous: 'full' }, FULL],
      [{ fsync: true }, FULL],
    ] as const) {
      const storage = new SqliteStorage(tempDir(), options);
      expect(storage.db.pragma('synchronous', { simple: true })).toBe(level);
      await storage.close();
    }
  });

  test('the server passes the setting to its storage', async () => {
    for (const [setting, level] of [
      ['normal', NORMAL],
      ['full', FULL],
    ] as const) {
      const config = defaultConfig({
        dataDir: tempDir(),
        port: 0,
        logLevel: 'silent',
        seedDemo: false,
        simulate: false,
        sqliteSynchronous: setting,
      });
      const { app, ctx } = await buildApp(config, { logger: false });
      try {
        expect((ctx.storage as SqliteStorage).db.pragma('synchronous', { simple: true })).toBe(level);
      } finally {
        await app.close();
      }
    }
  });
});

import { rmSync } from 'node:fs';
import * as Y from 'yjs';
import { PgStorage } from '@jointmap/server/storage/pg-storage';
import { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import type { Account, Operation, PositionFix, Station, Storage } from '@jointmap/server/storage/types';
import { tempDir, type Teardown } from '../helpers/server.ts';
import { createTestSchema, query } from '../helpers/pg-schema.ts';

/** One storage under test, with what the contract cases need behind it. */
export interface OpenedStorage {
  storage: Storage;
  /** Close the storage and open a new one on the same data (a restart). */
  reopen(): Promise<Storage>;
  /** Another storage on the same data at the same time (PostgreSQL only: SQLite is one process's). */
  another?: () => Promise<Storage>;
  /** Run SQL the same on both backends (what an operator may run by hand). */
  exec(sql: string): Promise<void>;
}

export interface Backend {
  name: 'sqlite' | 'postgres';
  open(t: Teardown): Promise<OpenedStorage>;
}

export const sqliteBackend: Backend = {
  name: 'sqlite',
  async open(t) {
    const dir = tempDir('jointmap-contract-');
    let storage = new SqliteStorage(dir);
    t.onTestFinished(async () => {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return {
      get storage() {
        return storage;
      },
      async reopen() {
        await storage.close();
        storage = new SqliteStorage(dir);
        return storage;
      },
      async exec(sql) {
        storage.db.exec(sql);
      },
    };
  },
};

export const postgresBackend: Backend = {
  name: 'postgres',
  async open(t) {
    const schema = await createTestSchema();
    const open: Storage[] = [];
    const start = async () => {
      const s = await PgStorage.open(schema.url);
      open.push(s);
      return s;
    };
    let storage = await start();
    t.onTestFinished(async () => {
      for (const s of open) await s.close();
      await schema.drop();
    });
    return {
      get storage() {
        return storage;
      },
      async reopen() {
        await storage.close();
        storage = await start();
        return storage;
      },
      another: start,
      async exec(sql) {
        await query(schema.url, sql);
      },
    };
  },
};

export const backends: readonly Backend[] = [sqliteBackend, postgresBackend];

/** A Yjs update that sets `key` to `value` in map `m` of a document made from `base` updates. */
export function mapUpdate(key: string, value: string, clientId = 1): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  let update: Uint8Array | null = null;
  doc.on('update', (u: Uint8Array) => (update = u));
  doc.getMap('m').set(key, value);
  return update!;
}

/** The map `m` of the document rebuilt from updates, as a plain object. */
export function mapOf(updates: readonly Uint8Array[]): Record<string, unknown> {
  const doc = new Y.Doc();
  for (const u of updates) Y.applyUpdate(doc, u);
  return doc.getMap('m').toJSON();
}

export const station = (id: string, over: Partial<Station> = {}): Station => ({
  id,
  name: `站 ${id}`,
  shortName: id,
  adcode: null,
  color: '#123456',
  jurisdiction: null,
  ...over,
});

export const account = (id: string, stationId: string | null, over: Partial<Account> = {}): Account => ({
  id,
  username: `u-${id}`,
  name: `用户 ${id}`,
  role: 'dispatcher',
  stationId,
  passwordHash: 'hash',
  disabled: false,
  createdAt: 1_000,
  ...over,
});

export const operation = (id: string, over: Partial<Operation> = {}): Operation => ({
  id,
  name: `行动 ${id}`,
  kind: 'search',
  status: 'active',
  stations: ['s1', 's2'],
  createdBy: 'cmd',
  createdAt: 5_000,
  ...over,
});

export const fix = (
  stationId: string,
  unitId: string,
  time: number,
  deviceId: string,
  over: Partial<PositionFix> = {},
): PositionFix => ({
  stationId,
  unitId,
  deviceId,
  time,
  lng: 120.3,
  lat: 30.5,
  speed: 3.5,
  bearing: null,
  altitude: null,
  accuracy: 8,
  battery: null,
  alarm: null,
  receivedAt: time + 1,
  ...over,
});

import { expect, test } from 'vitest';
import { takeYieldingIds } from '@jointmap/server/cluster/yielding-ids';
import { PgStorage } from '@jointmap/server/storage/pg-storage';
import { YIELDING_CLIENT_IDS } from '@jointmap/server/rooms/yielding-write';
import { createTestSchema } from '../helpers/pg-schema.ts';
import { sqliteBackend } from './storage-backends.ts';

test('instances on one PostgreSQL schema taking yielding ids at the same moment are never handed the same id', async (t) => {
  const schema = await createTestSchema();
  const stores = await Promise.all([1, 2, 3].map(() => PgStorage.open(schema.url)));
  t.onTestFinished(async () => {
    for (const s of stores) await s.close();
    await schema.drop();
  });
  // 3 instances × 40 releases of 2 ids each, all at once.
  const taken = await Promise.all(stores.flatMap((s) => Array.from({ length: 40 }, () => takeYieldingIds(s, 2))));
  const ids = taken.flat();
  expect(ids).toHaveLength(240);
  expect(new Set(ids).size).toBe(240);
  for (const id of ids) expect(id > 0 && id < YIELDING_CLIENT_IDS).toBe(true);
  // The counter survives a restart: a new instance goes on from there.
  const again = await PgStorage.open(schema.url);
  stores.push(again);
  expect(ids).not.toContain((await takeYieldingIds(again, 1))[0]);
});

test('the embedded store hands out none: its one process orders the writes to a document', async (t) => {
  const { storage } = await sqliteBackend.open(t);
  expect(await takeYieldingIds(storage, 2)).toEqual([]);
});

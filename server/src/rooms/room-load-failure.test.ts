import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, vi } from 'vitest';
import type * as Shared from '@jointmap/shared';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import { Room } from './room.ts';

// A stored record that the schema migration cannot bring up to date makes the load throw.
vi.mock('@jointmap/shared', async (original) => ({
  ...(await original<typeof Shared>()),
  migrateDoc: () => {
    throw new Error('migrating annotations/a gave an invalid record');
  },
}));

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

test('a load that fails leaves nothing running behind (the manager and the clients retry it)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-room-'));
  const store = new SqliteStorage(dir);
  try {
    const before = timers();
    for (let attempt = 0; attempt < 3; attempt++) {
      await expect(Room.load('op/deqing-yuyue', 'station', store, { snapshotEvery: 100 })).rejects.toThrow(
        'invalid record',
      );
    }
    // Each room holds two intervals (the awareness check and the presence sweep) until released.
    expect(timers()).toBe(before);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

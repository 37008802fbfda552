import { describe, expect, test } from 'vitest';
import { claimSetting } from '@jointmap/server/cluster/claim-setting';
import { PgStorage } from '@jointmap/server/storage/pg-storage';
import { createTestSchema } from '../helpers/pg-schema.ts';

describe('a setting chosen by whichever instance starts first', () => {
  test('instances claiming the token secret at once on PostgreSQL all get the one that was stored', async (t) => {
    const schema = await createTestSchema(t);
    // Four instances' storages (own pools), as four processes starting at once would have.
    const storages = await Promise.all([0, 1, 2, 3].map(() => PgStorage.open(schema.url)));
    t.onTestFinished(async () => {
      await Promise.all(storages.map((s) => s.close()));
    });
    const secrets = await Promise.all(storages.map((s, i) => claimSetting(s, 'token_secret', () => `secret-${i}`)));
    const stored = await storages[0]!.getSetting('token_secret');
    expect(secrets).toEqual([stored, stored, stored, stored]);
    // Later starts keep it.
    expect(await claimSetting(storages[1]!, 'token_secret', () => 'later')).toBe(stored);
  });
});

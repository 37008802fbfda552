import { rmSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { buildApp } from '@jointmap/server';
import { defaultConfig } from '@jointmap/server/config';
import { tempDir } from '../helpers/server.ts';

describe('REDIS_URL', () => {
  test('without DATABASE_URL the server refuses to start, saying why', async (t) => {
    const dataDir = tempDir();
    t.onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    const config = defaultConfig({ dataDir, redisUrl: 'redis://127.0.0.1:6399', logLevel: 'silent' });
    await expect(buildApp(config, { logger: false })).rejects.toThrow(/REDIS_URL needs DATABASE_URL/);
  });
});

import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { PgStorage } from '@jointmap/server/storage/pg-storage';
import { isUpdatePayload, startRedis, watchChannel } from '../helpers/cluster.ts';
import { createTestSchema } from '../helpers/pg-schema.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { DEMO_OP, startServer, tempDir } from '../helpers/server.ts';
import { connectClient, eventually } from '../helpers/sync-client.ts';

const DOC = `${DEMO_OP}/deqing-yuyue`;

describe('loading a document on a second instance', () => {
  test('an update committed on A while B is loading the document (after B read the log) reaches B', async (t) => {
    const redis = await startRedis(t);
    const schema = await createTestSchema(t);
    const prefix = `jm-test-${randomBytes(4).toString('hex')}:`;
    const overrides = { databaseUrl: schema.url, redisUrl: redis.url, redisPrefix: prefix };
    const a = await startServer(t, overrides);
    // B's storage holds every document load after it read the log, until the test lets it go.
    const storageB = await PgStorage.open(schema.url);
    const load = storageB.loadDoc.bind(storageB);
    let reached: () => void = () => undefined;
    const reachedLoad = new Promise<void>((resolve) => (reached = resolve));
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    storageB.loadDoc = async (doc) => {
      const stored = await load(doc);
      if (doc === DOC) {
        reached();
        await released;
      }
      return stored;
    };
    const dirB = tempDir();
    t.onTestFinished(() => rmSync(dirB, { recursive: true, force: true }));
    const b = await startServer(t, { ...overrides, dataDir: dirB }, { storage: () => storageB });

    const onA = await connectClient(t, a.wsUrl, DOC, (await a.login('deqing')).token);
    const onB = await connectClient(t, b.wsUrl, DOC, (await b.login('deqing')).token, { waitSynced: false });
    await reachedLoad;

    // Watch the document's channel, to know when A has published its update.
    const watch = await watchChannel(t, redis.port, `${prefix}doc:${DOC}`);

    onA.doc.getMap('annotations').set('while-loading', pointAnnotation('while-loading', '加载期间的标注'));
    await eventually(() => watch.payloads.some(isUpdatePayload), 10_000, 'A publishing its update');
    release();

    // Nothing else is edited: only the held message can bring the update to B.
    await eventually(() => onB.doc.getMap('annotations').has('while-loading'), 10_000, 'the update on B');
    expect(onB.doc.getMap('annotations').get('while-loading')).toEqual(
      pointAnnotation('while-loading', '加载期间的标注'),
    );
  });
});

import { describe, expect, test } from 'vitest';
import { PgDocStore } from '@jointmap/server/storage/pg-docs';
import { createPgPool } from '@jointmap/server/storage/pg-pool';
import { PgStorage } from '@jointmap/server/storage/pg-storage';
import { createTestSchema } from '../helpers/pg-schema.ts';

const author = { sessionId: null, userId: null };

describe('group commit on PostgreSQL', () => {
  test('batches from two instances appending to the same documents keep dense per-document numbers, each batch consecutive', async (t) => {
    const schema = await createTestSchema(t);
    const storage = await PgStorage.open(schema.url); // runs the migrations
    t.onTestFinished(() => storage.close());
    const pools = [createPgPool(schema.url, () => {}), createPgPool(schema.url, () => {})];
    t.onTestFinished(async () => {
      await Promise.all(pools.map((p) => p.end()));
    });
    const [a, b] = pools.map((p) => new PgDocStore(p));

    const bytes = (n: number) => new Uint8Array([n % 256, 0]);
    const batches: Promise<{ docs: string[]; seqs: number[] }>[] = [];
    for (let i = 0; i < 20; i++) {
      const store = i % 2 === 0 ? a! : b!;
      const docs = Array.from({ length: 5 }, (_, k) => (k % 2 === 0 ? 'op-g/command' : 'op-g/deqing-yuyue'));
      batches.push(
        store
          .appendUpdates(docs.map((doc, k) => ({ doc, update: bytes(i * 5 + k), author })))
          .then((seqs) => ({ docs, seqs })),
      );
      // Single appends interleave with the batches.
      batches.push(
        store.appendUpdate('op-g/command', bytes(i), author).then((seq) => ({ docs: ['op-g/command'], seqs: [seq] })),
      );
    }
    const results = await Promise.all(batches);

    for (const doc of ['op-g/command', 'op-g/deqing-yuyue']) {
      const seqs = results.flatMap((r) => r.seqs.filter((_, k) => r.docs[k] === doc)).sort((x, y) => x - y);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, k) => k + 1));
      const logged = (await storage.readUpdateLog(doc)).map((u) => u.seq);
      expect(logged).toEqual(seqs);
    }
    // Within one batch, one document's updates are numbered one after the other.
    for (const r of results.filter((x) => x.docs.length > 1)) {
      const own = r.seqs.filter((_, k) => r.docs[k] === 'op-g/command');
      expect(own).toEqual(own.map((_, k) => own[0]! + k));
    }
  });
});

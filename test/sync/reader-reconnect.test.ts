import { expect, test } from 'vitest';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { serverCaughtUp } from '../helpers/sync-barrier.ts';
import { connectClient, eventually, waitSynced, type SyncClient } from '../helpers/sync-client.ts';

const codes = (c: SyncClient) => c.rejections.map((r) => (JSON.parse(r) as { code: string }).code);

async function reconnect(c: SyncClient): Promise<void> {
  c.provider.disconnect();
  c.provider.connect();
  await waitSynced(c.provider);
  await serverCaughtUp(c);
}

test('readers reconnect to a document with overwritten records without being refused; their own changes still are', async (t) => {
  const server = await startServer(t);
  const [deqing, wall, linping] = await Promise.all([
    server.login('deqing'),
    server.login('wall'),
    server.login('linping'),
  ]);
  const doc = `${DEMO_OP}/deqing-yuyue`;
  const writer = await connectClient(t, server.wsUrl, doc, deqing.token);
  const viewer = await connectClient(t, server.wsUrl, doc, wall.token);
  const neighbour = await connectClient(t, server.wsUrl, doc, linping.token); // a dispatcher of another station
  const rejected = async () => (await server.ctx.metrics.rejected.get()).values.reduce((n, v) => n + v.value, 0);

  // Overwritten and removed records: the readers' documents now hold a delete set.
  const annotations = writer.doc.getMap('annotations');
  annotations.set('a', pointAnnotation('a', '初稿'));
  annotations.set('a', pointAnnotation('a', '改稿'));
  annotations.set('b', pointAnnotation('b', '临时'));
  annotations.delete('b');
  for (const reader of [viewer, neighbour])
    await eventually(
      () => (reader.doc.getMap('annotations').get('a') as { label?: string } | undefined)?.label === '改稿',
      5000,
      'the overwrite reached the reader',
    );

  // Their sync step 2 on reconnect carries that delete set, which the server already has.
  for (const reader of [viewer, neighbour]) {
    await reconnect(reader);
    await reconnect(reader);
  }
  expect(codes(viewer)).toEqual([]);
  expect(codes(neighbour)).toEqual([]);
  expect(await rejected()).toBe(0);

  // A reader's real change is still refused, and reaches nobody.
  viewer.doc.getMap('annotations').set('w', pointAnnotation('w', '大屏不能写'));
  await eventually(() => viewer.rejections.length > 0, 5000, 'FORBIDDEN for the viewer');
  expect(codes(viewer)).toEqual(['FORBIDDEN']);
  // After reconnecting, its sync step 2 carries that change again: refused again.
  await reconnect(viewer);
  expect(codes(viewer)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
  neighbour.doc.getMap('annotations').delete('a');
  await eventually(() => neighbour.rejections.length > 0, 5000, 'FORBIDDEN for the neighbour');
  expect(codes(neighbour)).toEqual(['FORBIDDEN']);
  await serverCaughtUp(writer);
  const room = await server.ctx.rooms.get(doc);
  expect(room.doc.getMap('annotations').has('w')).toBe(false);
  expect(room.doc.getMap('annotations').has('a')).toBe(true);
  expect(writer.doc.getMap('annotations').has('w')).toBe(false);
});

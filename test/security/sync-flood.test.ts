import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { SyncCloseCode } from '@jointmap/shared';
import { asyncAppendStorage } from '../helpers/async-storage.ts';
import { limitedCount, openRaw, syncStep1Frame, updateFrame } from '../helpers/raw-connection.ts';
import { pointAnnotation, polygonAnnotation } from '../helpers/records.ts';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { connectClient, eventually, type SyncClient } from '../helpers/sync-client.ts';

const DOC = `${DEMO_OP}/deqing-yuyue`;

/** One edit by `from` that `to` must see: the room keeps serving. */
function healthy(from: SyncClient, to: SyncClient) {
  let n = 0;
  return async () => {
    const key = `ok-${n++}`;
    from.doc.getMap('annotations').set(key, pointAnnotation(key, '正常编辑'));
    await eventually(() => to.doc.getMap('annotations').has(key), 10_000, `healthy edit ${key}`);
  };
}

/** `count` updates, each adding one annotation, as separate messages. */
function updates(prefix: string, count: number): Uint8Array[] {
  const doc = new Y.Doc();
  const out: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => out.push(updateFrame(u)));
  for (let i = 0; i < count; i++)
    doc.getMap('annotations').set(`${prefix}-${i}`, pointAnnotation(`${prefix}-${i}`, '洪水'));
  return out;
}

describe('a sync connection that asks too much', () => {
  test('flooding sync step 1 is answered up to the allowance, then closed with RATE_LIMITED; edits keep flowing', async (t) => {
    const server = await startServer(t);
    const deqing = await server.login('deqing');
    const wall = await server.login('wall');
    const a = await connectClient(t, server.wsUrl, DOC, deqing.token);
    const b = await connectClient(t, server.wsUrl, DOC, wall.token);
    const edit = healthy(a, b);
    await edit();
    // A read-only session asking again and again for "everything after this state vector".
    const raw = openRaw(t, server, DOC, wall.token);
    await raw.opened;
    raw.send(Array.from({ length: 500 }, () => syncStep1Frame(Y.encodeStateVector(a.doc))));
    for (let i = 0; i < 5; i++) await edit();
    expect(await raw.closedWithin(10_000)).toBe(SyncCloseCode.rateLimited);
    expect(raw.codes).toEqual(['RATE_LIMITED']);
    // SYNC_STATE_REQUESTS_PER_MINUTE (20): at most that many were answered, the rest never encoded.
    expect(raw.syncStep2).toBeLessThanOrEqual(server.ctx.config.syncStateRequestsPerMinute);
    expect(await limitedCount(server, 'state_requests')).toBe(1);
    await edit();
  });

  // Appends complete on a later event-loop turn (as a networked database's would), so a client
  // sending back to back outruns the room.
  const slow = { storage: (dir: string) => asyncAppendStorage(dir, 5) };

  test('a raw client sending faster than the room writes is closed at the queue cap; edits keep flowing', async (t) => {
    const server = await startServer(t, { syncQueueMaxMessages: 50 }, slow);
    const { token } = await server.login('deqing');
    const a = await connectClient(t, server.wsUrl, DOC, token);
    const b = await connectClient(t, server.wsUrl, DOC, token);
    const edit = healthy(a, b);
    const raw = openRaw(t, server, DOC, token);
    await raw.opened;
    raw.send(updates('flood', 1000));
    await edit();
    expect(await raw.closedWithin(10_000)).toBe(SyncCloseCode.rateLimited);
    expect(raw.codes).toEqual(['RATE_LIMITED']);
    expect(await limitedCount(server, 'queue')).toBe(1);
    // What it had queued was still written; what it sent past the cap was not.
    await eventually(() => b.doc.getMap('annotations').has('flood-0'), 10_000, 'the first queued update');
    await server.ctx.rooms.get(DOC).then((room) => room.idle());
    expect(b.doc.getMap('annotations').has('flood-999')).toBe(false);
    await edit();
  });

  test('a stock client that hits the queue cap reconnects and loses nothing', async (t) => {
    const server = await startServer(t, { syncQueueMaxMessages: 50 }, slow);
    const { token } = await server.login('deqing');
    const burst = await connectClient(t, server.wsUrl, DOC, token);
    const watcher = await connectClient(t, server.wsUrl, DOC, token);
    const keys = Array.from({ length: 300 }, (_, i) => `burst-${i}`);
    // 300 transactions in one tick: 300 messages back to back.
    for (const k of keys) burst.doc.getMap('annotations').set(k, pointAnnotation(k, '连续编辑'));
    await eventually(
      () => keys.every((k) => watcher.doc.getMap('annotations').has(k)),
      20_000,
      'the watcher to have all 300',
    );
    expect(await limitedCount(server, 'queue')).toBeGreaterThanOrEqual(1);
  });

  test('a document larger than the inbound limit still reaches a late joiner; a larger inbound message is refused', async (t) => {
    const limit = 32 * 1024;
    const server = await startServer(t, { maxMessageBytes: limit });
    const deqing = await server.login('deqing');
    const wall = await server.login('wall');
    const writer = await connectClient(t, server.wsUrl, DOC, deqing.token);
    const watcher = await connectClient(t, server.wsUrl, DOC, wall.token);
    const map = writer.doc.getMap('annotations');
    for (let i = 0; i < 300; i += 20) {
      writer.doc.transact(() => {
        for (let j = i; j < i + 20; j++)
          map.set(`big-${j}`, polygonAnnotation(`big-${j}`, `区域${j}`, 120.2 + j / 1000));
      });
    }
    await eventually(() => watcher.doc.getMap('annotations').has('big-299'), 10_000, 'the document on the server');
    expect(Y.encodeStateAsUpdate(writer.doc).byteLength).toBeGreaterThan(2 * limit);

    const joiner = await connectClient(t, server.wsUrl, DOC, wall.token);
    expect([...joiner.doc.getMap('annotations').keys()].filter((k) => k.startsWith('big-'))).toHaveLength(300);

    const tooBig = new Y.Doc();
    tooBig.getMap('annotations').set('huge', pointAnnotation('huge', 'x'.repeat(limit)));
    const raw = openRaw(t, server, DOC, deqing.token);
    await raw.opened;
    raw.send([updateFrame(Y.encodeStateAsUpdate(tooBig))]);
    expect(await raw.closedWithin(10_000)).toBe(1009); // ws: message too big
    expect(watcher.doc.getMap('annotations').has('huge')).toBe(false);
  });
});

import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { MAX_GAPPED_UPDATES } from '@jointmap/server/rooms/update-guard';
import type { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import { syncStep1Frame, updateFrame } from '../helpers/raw-connection.ts';
import { DEMO_OP, startServer, type Teardown, type TestServer } from '../helpers/server.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { connectClient, eventually } from '../helpers/sync-client.ts';

const MARK = 'zqGAPzq';
const DOC = `${DEMO_OP}/deqing-yuyue`;

/** A hand-driven sync socket that counts the server's sync step 1 and step 2 messages. */
async function rawClient(t: Teardown, server: TestServer, token: string) {
  const ws = new WebSocket(`${server.wsUrl}/sync/${DOC}?token=${encodeURIComponent(token)}`);
  t.onTestFinished(() => ws.terminate());
  const seen = { step1: 0, step2: 0, codes: [] as string[] };
  ws.on('message', (data: Buffer) => {
    const d = decoding.createDecoder(new Uint8Array(data));
    const type = decoding.readVarUint(d);
    const sub = decoding.readVarUint(d);
    if (type === 0 && sub === 0) seen.step1++;
    if (type === 0 && sub === 1) seen.step2++;
    if (type === 2 && sub === 0) seen.codes.push((JSON.parse(decoding.readVarString(d)) as { code: string }).code);
  });
  await new Promise((resolve, reject) => ws.on('open', resolve).on('error', reject));
  return {
    seen,
    send: (...frames: Uint8Array[]) => frames.forEach((f) => ws.send(f)),
    /** Resolves once the server handled all sent so far (it answers a sync step 1 in order). */
    async caughtUp() {
      const before = seen.step2;
      ws.send(syncStep1Frame(new Uint8Array([0])));
      await eventually(() => seen.step2 > before, 5000, 'the barrier answered');
    },
  };
}

/** A sync step 2 with nothing in it: what a stock client answers when it has nothing the server lacks. */
const emptyStep2 = (() => {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(new Y.Doc()));
  return encoding.toUint8Array(e);
})();

/** Updates of one scratch client, each building on the one before. */
function chain(clientId: number, labels: string[]): Uint8Array[] {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  for (const [i, label] of labels.entries()) doc.getMap('annotations').set(`g${i}`, pointAnnotation(`g${i}`, label));
  return updates;
}

describe('updates with a gap before them', () => {
  test('what depends on changes never sent is stored nowhere and reaches nobody; the sender is asked for them', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    const observer = await connectClient(t, server.wsUrl, DOC, (await server.login('commander')).token);
    const raw = await rawClient(t, server, token);
    raw.send(emptyStep2);
    const [first, second] = chain(777, ['依赖', MARK]) as [Uint8Array, Uint8Array];

    raw.send(updateFrame(second)); // its dependency `first` was never sent
    await raw.caughtUp();
    expect(raw.seen.codes).toEqual([]); // a stock client may do this right after reconnecting
    expect(raw.seen.step1).toBe(2); // asked at connect, and again for what the server lacks

    // Another write and a snapshot: neither may carry the held-back content.
    observer.doc.getMap('annotations').set('later', pointAnnotation('later', '之后'));
    const room = await server.ctx.rooms.get(DOC);
    await eventually(() => room.doc.getMap('annotations').has('later'), 5000, 'the later write applied');
    await room.idle();
    await room.snapshot();
    expect(room.doc.store.pendingStructs).toBeNull();
    const db = (server.ctx.storage as SqliteStorage).db;
    const stored = [
      ...(db.prepare('SELECT update_bytes AS b FROM doc_updates WHERE doc = ?').all(DOC) as { b: Buffer }[]),
      ...(db.prepare('SELECT state AS b FROM doc_snapshots WHERE doc = ?').all(DOC) as { b: Buffer }[]),
    ];
    expect(stored.filter((row) => row.b.includes(MARK))).toEqual([]);
    const joiner = await connectClient(t, server.wsUrl, DOC, token);
    expect(joiner.doc.store.pendingStructs).toBeNull();
    expect(Buffer.from(Y.encodeStateAsUpdate(joiner.doc)).includes(MARK)).toBe(false);
    expect(observer.doc.store.pendingStructs).toBeNull();

    // Sent with its dependency, the same change is applied like any other.
    raw.send(updateFrame(first), updateFrame(second));
    await eventually(() => joiner.doc.getMap('annotations').has('g1'), 5000, 'the completed change relayed');
    expect(raw.seen.codes).toEqual([]);
  });

  test(`a connection that keeps sending such updates is refused after ${MAX_GAPPED_UPDATES}`, async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    const raw = await rawClient(t, server, token);
    raw.send(emptyStep2);
    const gapped = chain(778, ['a', MARK])[1]!;
    for (let i = 0; i < MAX_GAPPED_UPDATES; i++) raw.send(updateFrame(gapped));
    await raw.caughtUp();
    expect(raw.seen.codes).toEqual([]);
    expect(raw.seen.step1).toBe(2); // asked once; it never answered
    raw.send(updateFrame(gapped));
    await raw.caughtUp();
    expect(raw.seen.codes).toEqual(['INVALID_PAYLOAD']);
    const room = await server.ctx.rooms.get(DOC);
    expect(room.doc.getMap('annotations').has('g1')).toBe(false);
    expect(room.doc.store.pendingStructs).toBeNull();
  });

  test('a stock client whose edit builds on content the server lacks sends it when asked, and everyone converges', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    const a = await connectClient(t, server.wsUrl, DOC, token);
    const b = await connectClient(t, server.wsUrl, DOC, (await server.login('commander')).token);
    // Content `a` got from elsewhere (another tab over BroadcastChannel) that never reached the server.
    const [elsewhere] = chain(999, ['别处']) as [Uint8Array];
    Y.applyUpdate(a.doc, elsewhere, a.provider); // the provider's own origin: not sent
    a.doc.getMap('annotations').set('g0', pointAnnotation('g0', '覆盖')); // builds on it
    await eventually(
      () => (b.doc.getMap('annotations').get('g0') as { label?: string } | undefined)?.label === '覆盖',
      5000,
      'the edit and what it builds on relayed',
    );
    expect(a.rejections).toEqual([]);
    expect(a.doc.getMap('annotations').toJSON()).toEqual(b.doc.getMap('annotations').toJSON());
  });
});

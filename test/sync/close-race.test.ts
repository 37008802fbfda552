import { describe, expect, test } from 'vitest';
import * as encoding from 'lib0/encoding';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { asyncAppendStorage } from '../helpers/async-storage.ts';
import { DEMO_OP, startServer, type TestServer } from '../helpers/server.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { connectClient, eventually } from '../helpers/sync-client.ts';

const DOC = `${DEMO_OP}/deqing-yuyue`;

/** A y-websocket sync "update" message (messageSync = 0, update = 2). */
function updateMessage(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, 2);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

/** Twenty separate updates, each adding one annotation, as a client would send them one by one. */
function twentyUpdates(prefix: string): { keys: string[]; messages: Uint8Array[] } {
  const doc = new Y.Doc();
  const messages: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => messages.push(updateMessage(u)));
  const keys: string[] = [];
  for (let i = 0; i < 20; i++) {
    const id = `${prefix}-${i}`;
    keys.push(id);
    doc.getMap('annotations').set(id, pointAnnotation(id, `合盖前第${i}条`, 120.28 + i / 1000, 30.53));
  }
  return { keys, messages };
}

/** Open a raw socket, send every message back to back and close in the same tick. */
function sendAndClose(server: TestServer, token: string, messages: Uint8Array[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${server.wsUrl}/sync/${DOC}?token=${encodeURIComponent(token)}`);
    ws.on('open', () => {
      for (const m of messages) ws.send(m);
      ws.close(1000);
    });
    ws.on('close', () => resolve());
    ws.on('error', reject);
  });
}

async function keysSeenByFreshClient(t: Parameters<typeof startServer>[0], server: TestServer, token: string) {
  const fresh = await connectClient(t, server.wsUrl, DOC, token);
  const keys = new Set(fresh.doc.getMap('annotations').keys());
  fresh.destroy();
  return keys;
}

// Appends complete on a later event-loop turn (as PostgreSQL's would), so the close is handled
// while the twenty updates are still queued in the room.
const slow = { storage: (dir: string) => asyncAppendStorage(dir) };

describe('updates that reach the server just before the socket closes', () => {
  test('all 20 updates sent back to back and closed in the same tick are kept, also after a restart (document loaded)', async (t) => {
    const server = await startServer(t, {}, slow);
    const { token } = await server.login('deqing');
    // An open console keeps the document loaded, so the updates race only the close.
    const watcher = await connectClient(t, server.wsUrl, DOC, token);
    const { keys, messages } = twentyUpdates('lid');
    await sendAndClose(server, token, messages);
    await eventually(
      () => keys.every((k) => watcher.doc.getMap('annotations').has(k)),
      10_000,
      'the watcher to see all 20',
    );
    const fresh = await keysSeenByFreshClient(t, server, token);
    expect(keys.filter((k) => !fresh.has(k))).toEqual([]);

    watcher.destroy();
    await server.close();
    const again = await startServer(t, { dataDir: server.dataDir }, slow);
    const { token: token2 } = await again.login('deqing');
    const afterRestart = await keysSeenByFreshClient(t, again, token2);
    expect(keys.filter((k) => !afterRestart.has(k))).toEqual([]);
  });

  test('all 20 are kept when the socket closes before the document has even loaded', async (t) => {
    const server = await startServer(t, { roomIdleMs: 1 }, slow);
    const { token } = await server.login('deqing');
    // Let the seeded document unload, so this connection has to load it first.
    await eventually(() => !server.ctx.rooms.has(DOC), 5_000, 'the document to unload');
    const { keys, messages } = twentyUpdates('early');
    const before = (await server.ctx.storage.loadDoc(DOC)).lastSeq;
    await sendAndClose(server, token, messages);
    // The server learns of the close while it still checks the session and loads the document;
    // give it time to apply whatever it is going to apply (twenty appends), then restart.
    const deadline = Date.now() + 5_000;
    while ((await server.ctx.storage.loadDoc(DOC)).lastSeq < before + 20 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await eventually(() => !server.ctx.rooms.has(DOC), 5_000, 'the document to unload');
    await server.close();
    const again = await startServer(t, { dataDir: server.dataDir }, slow);
    const afterRestart = await keysSeenByFreshClient(t, again, (await again.login('deqing')).token);
    expect(keys.filter((k) => !afterRestart.has(k))).toEqual([]);
  });
});

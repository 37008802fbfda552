import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { expect, test } from 'vitest';
import type { WebSocket } from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { pointAnnotation } from '../helpers/records.ts';

/**
 * A connection injected in memory (`fastify.injectWS`) has no TCP socket to write frames to:
 * the sync route sends through `ws` instead, and the protocol works the same.
 */
test('a sync connection injected in memory (no TCP socket) is sent the edits relayed to it, through ws', async (t) => {
  const server = await startServer(t);
  const { token } = await server.login('deqing');
  const doc = `${DEMO_OP}/deqing-yuyue`;
  const path = `/sync/${doc}?token=${encodeURIComponent(token)}`;
  const received: Y.Doc[] = [];
  const open = async () => {
    const ydoc = new Y.Doc();
    received.push(ydoc);
    const ws = (await server.app.injectWS(path)) as unknown as WebSocket;
    t.onTestFinished(() => ws.terminate());
    ws.on('message', (data: Buffer) => {
      const decoder = decoding.createDecoder(new Uint8Array(data));
      if (decoding.readVarUint(decoder) !== 0) return; // sync messages only
      syncProtocol.readSyncMessage(decoder, encoding.createEncoder(), ydoc, 'server');
    });
    const step1 = encoding.createEncoder();
    encoding.writeVarUint(step1, 0);
    syncProtocol.writeSyncStep1(step1, ydoc);
    ws.send(encoding.toUint8Array(step1));
    return { ydoc, ws };
  };
  const writer = await open();
  const reader = await open();
  // The writer's edit reaches the reader through the room's relay (the route's send).
  const edit = new Y.Doc();
  edit.getMap('annotations').set('inj-1', pointAnnotation('inj-1', '注入连接'));
  const update = encoding.createEncoder();
  encoding.writeVarUint(update, 0);
  syncProtocol.writeUpdate(update, Y.encodeStateAsUpdate(edit));
  writer.ws.send(encoding.toUint8Array(update));
  await expect
    .poll(() => reader.ydoc.getMap('annotations').get('inj-1'), { timeout: 10_000 })
    .toEqual(pointAnnotation('inj-1', '注入连接'));
});

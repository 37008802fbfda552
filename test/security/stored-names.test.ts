import { expect, test } from 'vitest';
import * as Y from 'yjs';
import type { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import { openRaw, updateFrame } from '../helpers/raw-connection.ts';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { serverCaughtUp } from '../helpers/sync-barrier.ts';
import { connectClient, eventually } from '../helpers/sync-client.ts';

const MARK = 'zqNAMEzq';
const codes = (rejections: string[]) => rejections.map((r) => (JSON.parse(r) as { code: string }).code);

test('keys and collection names outside the schema are stored nowhere; the sender keeps working and converges', async (t) => {
  const server = await startServer(t);
  const { token } = await server.login('deqing');
  const doc = `${DEMO_OP}/deqing-yuyue`;
  const observer = await connectClient(t, server.wsUrl, doc, (await server.login('commander')).token);

  // A hand-made update: a record under a 2,400-character key, an unknown meta key, an unknown
  // collection, and one valid record.
  const scratch = new Y.Doc();
  scratch.clientID = 4242;
  scratch.transact(() => {
    const longKey = MARK.repeat(300);
    scratch.getMap('annotations').set(longKey, pointAnnotation(longKey, '长键'));
    scratch.getMap('meta').set(`${MARK}-meta`, 1);
    scratch.getMap(`${MARK}-root`).set('x', 1);
    scratch.getMap('annotations').set('fine', pointAnnotation('fine', '有效'));
  });
  const raw = openRaw(t, server, doc, token);
  await raw.opened;
  raw.send([updateFrame(Y.encodeStateAsUpdate(scratch))]);
  await eventually(() => raw.codes.length > 0, 5000, 'INVALID_PAYLOAD for the raw client');
  expect(raw.codes).toEqual(['INVALID_PAYLOAD']);
  await eventually(() => observer.doc.getMap('annotations').has('fine'), 5000, 'the valid record relayed');

  // A stock client: a record under a key that is not a record id, then a valid one.
  const writer = await connectClient(t, server.wsUrl, doc, token);
  writer.doc.getMap('annotations').set(`${MARK} key`, pointAnnotation('x', '坏键'));
  writer.doc.getMap('annotations').set('after', pointAnnotation('after', '之后'));
  await eventually(() => observer.doc.getMap('annotations').has('after'), 5000, 'the later valid record relayed');
  expect(codes(writer.rejections)).toEqual(['INVALID_PAYLOAD']);
  // The refused entry is removed from the sender's document too.
  await eventually(() => !writer.doc.getMap('annotations').has(`${MARK} key`), 5000, 'the sender converged');
  expect(writer.doc.getMap('annotations').toJSON()).toEqual(observer.doc.getMap('annotations').toJSON());
  await serverCaughtUp(writer);

  // Nothing of them in the log, a snapshot, or what a new joiner receives.
  const room = await server.ctx.rooms.get(doc);
  await room.idle();
  await room.snapshot();
  const db = (server.ctx.storage as SqliteStorage).db;
  const stored = [
    ...(db.prepare('SELECT update_bytes AS b FROM doc_updates WHERE doc = ?').all(doc) as { b: Buffer }[]),
    ...(db.prepare('SELECT state AS b FROM doc_snapshots WHERE doc = ?').all(doc) as { b: Buffer }[]),
  ];
  expect(stored.length).toBeGreaterThan(2);
  expect(stored.filter((row) => row.b.includes(MARK))).toEqual([]);
  const joiner = await connectClient(t, server.wsUrl, doc, token);
  expect(Buffer.from(Y.encodeStateAsUpdate(joiner.doc)).includes(MARK)).toBe(false);
  expect([...joiner.doc.share.keys()].filter((k) => k.includes(MARK))).toEqual([]);
  expect([...joiner.doc.getMap('meta').keys()]).toEqual(['schemaVersion']);
  expect(joiner.doc.getMap('annotations').has('fine')).toBe(true);
});

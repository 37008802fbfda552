import { expect, test } from 'vitest';
import * as Y from 'yjs';
import { docName, SyncCloseCode } from '@jointmap/shared';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { connectClient, eventually } from '../helpers/sync-client.ts';
import { growDocument, rawJoiner, signOut, SlowRelay, unixEntrance } from './answer-pieces.test-support.ts';
import { bigLine } from './big-line.test-support.ts';

/**
 * A joiner's answer is one y-websocket message of the whole document, megabytes of it. On a link
 * slower than the heartbeat, a ping written behind the whole of it could not be answered in time,
 * and the server dropped a slow joiner as it drops a dead one (then again on every reconnection).
 * Sent in pieces, pings go between them: the slow joiner answers and stays, the dead one does not.
 *
 * The slow links here reach the server over a Unix socket (`unixEntrance`): over loopback TCP the
 * kernel took the whole answer at once, and the ping waited behind it as before. Pieces help only
 * where the link's buffers are small against the answer, as on a slow link.
 */

const STATION = 'deqing-yuyue';
/** The server's ping window in these tests (30 s in production). */
const HEARTBEAT_MS = 2_000;
/** The document's state: its answer takes about three ping windows on the slow link. */
const ANSWER_BYTES = 3_000_000;
const RATE = 500_000;

test('a joiner on a link slower than the ping window gets a large answer whole, and the edits made meanwhile and after, without being dropped', async (t) => {
  const server = await startServer(t, { syncHeartbeatMs: HEARTBEAT_MS });
  const doc = docName(DEMO_OP, STATION);
  const { token } = await server.login('deqing');
  const writer = await growDocument(t, server, doc, token, ANSWER_BYTES);
  const relay = await SlowRelay.start(t, await unixEntrance(t, server), RATE);

  // The stock provider, as a browser on the slow link runs it.
  const joiner = await connectClient(t, relay.wsUrl, doc, token, { waitSynced: false });
  let drops = 0;
  joiner.provider.on('connection-close', () => drops++);
  await eventually(() => relay.carried > RATE / 2 || drops > 0, 20_000, 'the answer under way');
  expect(joiner.provider.synced).toBe(false);
  // Relayed while the answer is under way: it waits behind the answer and follows it.
  const annotations = writer.doc.getMap('annotations');
  annotations.set('a-during', pointAnnotation('a-during', '传输中'));
  await eventually(() => joiner.provider.synced || drops > 0, 30_000, 'the answer');
  expect(drops).toBe(0);
  annotations.set('a-after', pointAnnotation('a-after', '之后'));

  const room = await server.ctx.rooms.get(doc);
  const held = joiner.doc.getMap('annotations');
  await eventually(() => held.has('a-during') && held.has('a-after'), 10_000, 'both edits');
  expect(held.toJSON()).toEqual(room.doc.getMap('annotations').toJSON());
  expect(Y.encodeStateVector(joiner.doc)).toEqual(Y.encodeStateVector(room.doc));
  expect(drops).toBe(0);
  expect(relay.serverClosed).toBe(0);
});

test('of two joiners of a large answer, the one reading slowly stays, and the one that stopped reading is still dropped by the heartbeat', async (t) => {
  const server = await startServer(t, { syncHeartbeatMs: HEARTBEAT_MS });
  const doc = docName(DEMO_OP, STATION);
  const { token } = await server.login('deqing');
  await growDocument(t, server, doc, token, ANSWER_BYTES);
  const entrance = await unixEntrance(t, server);
  const [slowLink, deadLink] = await Promise.all([SlowRelay.start(t, entrance, RATE), SlowRelay.start(t, entrance, 0)]);

  const slow = rawJoiner(t, slowLink.wsUrl, doc, token);
  const dead = rawJoiner(t, deadLink.wsUrl, doc, token);
  // The dead one is dropped once a ping goes unanswered for a window (well within ten).
  await eventually(() => deadLink.serverClosed > 0, 10 * HEARTBEAT_MS, 'the dead joiner dropped');
  expect(dead.answers).toBe(0);

  await eventually(() => slow.answers > 0 || slow.closeCode !== null, 30_000, 'the slow answer');
  expect(slow.closeCode).toBeNull();
  expect(slow.errors).toEqual([]);
  expect(slowLink.serverClosed).toBe(0);
  const room = await server.ctx.rooms.get(doc);
  expect(slow.doc.getMap('annotations').toJSON()).toEqual(room.doc.getMap('annotations').toJSON());
});

test('a joiner probing again and again while a large answer goes out slowly (as our client does after each edit) gets one answer per ask, stays, and holds what the server holds', async (t) => {
  // One whole document waiting behind the one under way is within the limit, two are over it:
  // answered each with the whole document, as before, the probes below closed it (RATE_LIMITED).
  const server = await startServer(t, {
    syncHeartbeatMs: HEARTBEAT_MS,
    syncSendBacklogMaxBytes: 1.5 * ANSWER_BYTES,
    syncStateRequestsPerMinute: 600,
  });
  const doc = docName(DEMO_OP, STATION);
  const { token } = await server.login('deqing');
  await growDocument(t, server, doc, token, ANSWER_BYTES);
  const link = await SlowRelay.start(t, await unixEntrance(t, server), RATE);

  const probes = 12;
  const joiner = rawJoiner(t, link.wsUrl, doc, token, {
    probes: {
      count: probes,
      everyMs: 250,
      edit: (d, i) => d.getMap('annotations').set(`a-probe-${i}`, pointAnnotation(`a-probe-${i}`, `探测 ${i}`)),
    },
  });
  await eventually(
    () => (joiner.asks === probes + 1 && joiner.answers === joiner.asks) || joiner.closeCode !== null,
    30_000,
    'every ask answered',
  );
  expect(joiner.closeCode).toBeNull();
  expect(joiner.events.every((e) => e === 'answer')).toBe(true);
  const room = await server.ctx.rooms.get(doc);
  await room.idle();
  const held = joiner.doc.getMap('annotations');
  for (let i = 0; i < probes; i++) expect(room.doc.getMap('annotations').has(`a-probe-${i}`), `probe ${i}`).toBe(true);
  expect(held.toJSON()).toEqual(room.doc.getMap('annotations').toJSON());
  expect(Y.encodeStateVector(joiner.doc)).toEqual(Y.encodeStateVector(room.doc));
  expect(link.serverClosed).toBe(0);
});

test('edits relayed behind a large answer past the limit refuse the slow joiner as rate-limited: it leaves its room at once, what it sends meanwhile is dropped, and it gets the answer, the coded message, then the close', async (t) => {
  const server = await startServer(t, { syncHeartbeatMs: HEARTBEAT_MS, syncSendBacklogMaxBytes: 1_000_000 });
  const doc = docName(DEMO_OP, STATION);
  const { token } = await server.login('deqing');
  const writer = await growDocument(t, server, doc, token, ANSWER_BYTES);
  const link = await SlowRelay.start(t, await unixEntrance(t, server), RATE);
  const room = await server.ctx.rooms.get(doc);

  const joiner = rawJoiner(t, link.wsUrl, doc, token);
  await eventually(() => link.carried > RATE / 2, 20_000, 'the answer under way');
  expect(room.connectionCount).toBe(2);
  // Two updates of about 600 KB each, relayed to the joiner behind its answer: over 1 MB.
  const annotations = writer.doc.getMap('annotations');
  for (const batch of [0, 1])
    writer.doc.transact(() => {
      for (let j = 0; j < 40; j++) annotations.set(`a-more-${batch}-${j}`, bigLine(`a-more-${batch}-${j}`, 1000 + j));
    });
  await eventually(() => room.connectionCount === 1, 10_000, 'the joiner out of its room');
  // Out before its answer has even arrived, let alone the close.
  expect(joiner.answers).toBe(0);
  joiner.doc.getMap('annotations').set('a-late', pointAnnotation('a-late', '迟到'));
  await eventually(() => joiner.closeCode !== null, 30_000, 'the joiner closed');
  expect(joiner.events).toEqual(['answer', 'refused RATE_LIMITED', `close ${SyncCloseCode.rateLimited}`]);
  await room.idle();
  expect(room.doc.getMap('annotations').has('a-late')).toBe(false);
});

test('a session ending while a large answer goes out in pieces: the answer, then the coded message, then the close', async (t) => {
  const server = await startServer(t, { syncHeartbeatMs: HEARTBEAT_MS });
  const doc = docName(DEMO_OP, STATION);
  await growDocument(t, server, doc, (await server.login('deqing')).token, ANSWER_BYTES);
  const link = await SlowRelay.start(t, await unixEntrance(t, server), RATE);

  const { token } = await server.login('deqing');
  const joiner = rawJoiner(t, link.wsUrl, doc, token);
  await eventually(() => link.carried > RATE / 2, 20_000, 'the answer under way');
  await signOut(server, token);
  await eventually(() => joiner.closeCode !== null, 30_000, 'the joiner closed');
  expect(joiner.events).toEqual(['answer', 'refused SESSION_ENDED', `close ${SyncCloseCode.unauthenticated}`]);
  const room = await server.ctx.rooms.get(doc);
  expect(joiner.doc.getMap('annotations').toJSON()).toEqual(room.doc.getMap('annotations').toJSON());
});

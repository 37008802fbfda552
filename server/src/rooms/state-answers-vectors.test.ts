import { expect, test, vi } from 'vitest';
import * as Y from 'yjs';
import { answerOf, paced, SlowSocket, vectorOf } from './state-answers.test-support.ts';

/**
 * How often answering sync step 1s encodes and decodes state vectors: each costs time in the number
 * of clients that ever edited the document (a thousand and more in a long operation), as much as
 * the answer itself to a client that lacks little. Yjs's own calls inside `encodeStateAsUpdate`
 * do not go through this module and are not counted.
 */
const calls = vi.hoisted(() => ({ encodedDocs: 0, encodedMaps: 0, decoded: 0 }));

vi.mock('yjs', async (original) => {
  const yjs = await original<typeof Y>();
  return {
    ...yjs,
    encodeStateVector: (of: Y.Doc | Map<number, number>) => {
      if (of instanceof yjs.Doc) calls.encodedDocs++;
      else calls.encodedMaps++;
      return yjs.encodeStateVector(of);
    },
    decodeStateVector: (vector: Uint8Array) => {
      calls.decoded++;
      return yjs.decodeStateVector(vector);
    },
  };
});

/** Add one entry to `doc` from each of `clients` new clients. */
function editBy(doc: Y.Doc, clients: number): void {
  const from = doc.getMap('annotations').size;
  for (let c = from; c < from + clients; c++) {
    const edit = new Y.Doc();
    edit.getMap('annotations').set(`a-${c}`, { label: `entry ${c}` });
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(edit));
  }
}

/** A copy of `doc` as it is now. */
function copyOf(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
}

/** Count from now on. */
function resetCalls(): void {
  calls.encodedDocs = 0;
  calls.encodedMaps = 0;
  calls.decoded = 0;
}

test('each joiner state vector is decoded once and never encoded again, and no state vector of the document is encoded', () => {
  const doc = new Y.Doc();
  editBy(doc, 100);
  const { answers } = paced(doc);
  // Clients that were offline while 20 others edited: each lacks just those edits.
  const clients = Array.from({ length: 5 }, () => copyOf(doc));
  editBy(doc, 20);
  const vectors = clients.map(vectorOf);
  resetCalls();
  const sockets = clients.map(() => new SlowSocket());
  sockets.forEach((socket, i) => expect(answers.ask(socket, vectors[i]!)).toBe(true));
  expect(calls).toEqual({ encodedDocs: 0, encodedMaps: 0, decoded: 5 });
  // Each got what it lacked, and only that.
  sockets.forEach((socket, i) => {
    expect(socket.sent).toHaveLength(1);
    const update = answerOf(socket.sent[0]!)!;
    expect(Y.decodeUpdate(update).structs).toHaveLength(20);
    Y.applyUpdate(clients[i]!, update);
    expect(clients[i]!.getMap('annotations').toJSON()).toEqual(doc.getMap('annotations').toJSON());
  });
});

test('an owed answer encodes what its client holds once and reads the document clocks without encoding its state vector', async () => {
  const doc = new Y.Doc();
  editBy(doc, 50);
  const { answers, run } = paced(doc);
  const socket = new SlowSocket();
  const client = new Y.Doc();
  answers.ask(socket, vectorOf(client));
  // The client asks again before the whole document reached it; then others edit.
  answers.ask(socket, vectorOf(client));
  editBy(doc, 3);
  resetCalls();
  socket.goOut();
  await run();
  expect(calls).toEqual({ encodedDocs: 0, encodedMaps: 1, decoded: 0 });
  // The owed answer carries only what came since the first answer.
  expect(socket.sent).toHaveLength(2);
  expect(Y.decodeUpdate(answerOf(socket.sent[1]!)!).structs).toHaveLength(3);
  for (const m of socket.sent) Y.applyUpdate(client, answerOf(m)!);
  expect(client.getMap('annotations').toJSON()).toEqual(doc.getMap('annotations').toJSON());
});

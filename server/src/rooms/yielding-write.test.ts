import { expect, test } from 'vitest';
import * as Y from 'yjs';
import { writeYielding, yieldingIdOf, YIELDING_CLIENT_IDS } from './yielding-write.ts';

/** Two replicas of one document that both saw `key` = 'start'. */
function replicas(clientId: number): [Y.Doc, Y.Doc] {
  const server = new Y.Doc();
  const client = new Y.Doc();
  client.clientID = clientId;
  server.getMap('m').set('key', 'start');
  Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
  return [server, client];
}

function exchange(a: Y.Doc, b: Y.Doc): void {
  const fromA = Y.encodeStateAsUpdate(a, Y.encodeStateVector(b));
  const fromB = Y.encodeStateAsUpdate(b, Y.encodeStateVector(a));
  Y.applyUpdate(a, fromB);
  Y.applyUpdate(b, fromA);
}

test('a yielding set loses to a concurrent client set of the same key, whatever the yielding id and any client id from 2^16 up', () => {
  // Client ids as Yjs picks them (random 32-bit), plus the edges just above the yielding range. A
  // client id below 2^16 (one draw in 65,536) may be below the yielding id and win: the limit
  // `writeYielding` states, so such draws are left out here.
  const ids = [YIELDING_CLIENT_IDS, YIELDING_CLIENT_IDS + 1, 2 ** 32 - 1];
  while (ids.length < 203) {
    const id = new Y.Doc().clientID;
    if (id >= YIELDING_CLIENT_IDS) ids.push(id);
  }
  for (const id of ids) {
    const [server, client] = replicas(id);
    server.clientID = 2 ** 32 - 2; // the server's own id is as high as any: it must not matter
    writeYielding(server, () => server.getMap('m').set('key', 'server'));
    client.getMap('m').set('key', 'client');
    exchange(server, client);
    expect([server.getMap('m').get('key'), client.getMap('m').get('key'), id]).toEqual(['client', 'client', id]);
  }
});

test('a yielding set made after the client’s set (having seen it) wins', () => {
  const [server, client] = replicas(3_000_000_000);
  client.getMap('m').set('key', 'client');
  exchange(server, client);
  writeYielding(server, () => server.getMap('m').set('key', 'server'));
  exchange(server, client);
  expect([server.getMap('m').get('key'), client.getMap('m').get('key')]).toEqual(['server', 'server']);
});

test('each yielding write takes the first candidate the document has not seen, else a fresh draw; the document keeps its own id', () => {
  const doc = new Y.Doc();
  const own = doc.clientID;
  writeYielding(doc, () => doc.getMap('m').set('a', 1), [7]);
  writeYielding(doc, () => doc.getMap('m').set('b', 2), [7, 9]); // 7 is taken now
  // Every candidate taken or out of range: a draw, which first offers 9 (taken) and then 12.
  const offers = [8.5 / (YIELDING_CLIENT_IDS - 1), 11.5 / (YIELDING_CLIENT_IDS - 1)];
  writeYielding(
    doc,
    () => doc.getMap('m').set('c', 3),
    [7, 0, YIELDING_CLIENT_IDS],
    () => offers.shift()!,
  );
  doc.getMap('m').set('d', 4);
  const writers = [...Y.decodeStateVector(Y.encodeStateVector(doc)).keys()].sort((x, y) => x - y);
  expect(writers).toEqual([7, 9, 12, own].sort((x, y) => x - y));
  expect(doc.clientID).toBe(own);
});

test('ids handed out by a counter go round 1 … 2^16 − 1', () => {
  expect([1, 2, YIELDING_CLIENT_IDS - 1, YIELDING_CLIENT_IDS, YIELDING_CLIENT_IDS + 1].map(yieldingIdOf)).toEqual([
    1,
    2,
    YIELDING_CLIENT_IDS - 1,
    1,
    2,
  ]);
});

test('the document gets its own id back when the write throws', () => {
  const doc = new Y.Doc();
  const own = doc.clientID;
  expect(() =>
    writeYielding(doc, () => {
      throw new Error('refused');
    }),
  ).toThrow('refused');
  expect(doc.clientID).toBe(own);
});

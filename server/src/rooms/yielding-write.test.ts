import { expect, test } from 'vitest';
import * as Y from 'yjs';
import { writeYielding, YIELDING_CLIENT_IDS } from './yielding-write.ts';

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

test('a yielding set loses to a concurrent client set of the same key, whatever the two ids', () => {
  // Client ids as Yjs picks them (random 32-bit), plus the edges just above the yielding range.
  const ids = [YIELDING_CLIENT_IDS, YIELDING_CLIENT_IDS + 1, 2 ** 32 - 1];
  for (let i = 0; i < 200; i++) ids.push(new Y.Doc().clientID);
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

test('each yielding write takes an id the document has not seen, and the document keeps its own', () => {
  const doc = new Y.Doc();
  const own = doc.clientID;
  // A random source that first offers an id already used, then fresh ones.
  const offers = [0.5, 0.5, 0.25];
  const random = () => offers.shift() ?? Math.random();
  writeYielding(doc, () => doc.getMap('m').set('a', 1), random);
  writeYielding(doc, () => doc.getMap('m').set('b', 2), random);
  doc.getMap('m').set('c', 3);
  const writers = [...Y.decodeStateVector(Y.encodeStateVector(doc)).keys()].sort((x, y) => x - y);
  expect(writers).toHaveLength(3);
  expect(writers.slice(0, 2).every((id) => id > 0 && id < YIELDING_CLIENT_IDS)).toBe(true);
  expect(writers).toContain(own);
  expect(doc.clientID).toBe(own);
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

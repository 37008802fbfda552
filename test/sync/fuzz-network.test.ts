import { describe, expect, test } from 'vitest';
import { canonicalJson } from '../helpers/canonical-json.ts';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { seededRandom } from '../helpers/random.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { connectClient, eventually, waitSynced, type SyncClient } from '../helpers/sync-client.ts';

/** The whole annotation map, every record compared in full (nested geometry included). */
const docState = (c: SyncClient) => canonicalJson(c.doc.getMap('annotations').toJSON());

describe('real network: stock providers with random edits, disconnects and reconnects', () => {
  test.for([7, 42])('seed %i: 4 clients converge', async (seed, t) => {
    const rng = seededRandom(seed);
    const server = await startServer(t);
    const { token } = await server.login('commander');
    const doc = `${DEMO_OP}/linping-yunhe`;
    const clients = await Promise.all(Array.from({ length: 4 }, () => connectClient(t, server.wsUrl, doc, token)));
    const keys = Array.from({ length: 10 }, (_, i) => `ann-${i}`);
    for (let step = 0; step < 150; step++) {
      const c = rng.pick(clients);
      const r = rng.next();
      if (r < 0.8) {
        const key = rng.pick(keys);
        if (rng.chance(0.1)) c.doc.getMap('annotations').delete(key);
        else c.doc.getMap('annotations').set(key, pointAnnotation(key, `edit ${step}`, 120 + rng.next()));
      } else if (c.provider.wsconnected) {
        c.provider.disconnect();
      } else {
        c.provider.connect();
      }
      if (rng.chance(0.3)) await new Promise((r) => setTimeout(r, rng.int(20)));
    }
    for (const c of clients) if (!c.provider.shouldConnect) c.provider.connect();
    await Promise.all(clients.map((c) => eventually(() => c.provider.wsconnected, 10_000, 'reconnect')));
    await Promise.all(clients.map((c) => waitSynced(c.provider)));
    await eventually(() => new Set(clients.map(docState)).size === 1, 10_000, 'convergence');
    const fresh = await connectClient(t, server.wsUrl, doc, token);
    await eventually(() => docState(fresh) === docState(clients[0]!), 10_000, 'fresh client sees the same');
    for (const c of clients) expect(c.rejections).toEqual([]);
    expect(clients[0]!.doc.getMap('annotations').size).toBeGreaterThan(0);
    // The comparison really sees nested values: two records differing only in a coordinate differ.
    const a = pointAnnotation('x', 'same', 120.1);
    expect(canonicalJson({ x: a })).not.toBe(canonicalJson({ x: pointAnnotation('x', 'same', 120.2) }));
    expect(canonicalJson({ x: a })).toBe(canonicalJson({ x: { ...a } }));
  });
});

import { describe, expect, test } from 'vitest';
import { docJson, startCluster } from '../helpers/cluster.ts';
import { query } from '../helpers/pg-schema.ts';
import { seededRandom } from '../helpers/random.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { DEMO_OP, type Teardown } from '../helpers/server.ts';
import { connectClient, eventually, type SyncClient } from '../helpers/sync-client.ts';

const DOC = `${DEMO_OP}/deqing-yuyue`;

/** Random edits (set or delete an annotation) by one client, a few ms apart. */
async function randomEdits(client: SyncClient, name: string, seed: number, count: number): Promise<void> {
  const rnd = seededRandom(seed);
  const map = client.doc.getMap('annotations');
  for (let i = 0; i < count; i++) {
    const id = `${name}-${rnd.int(8)}`;
    if (map.has(id) && rnd.chance(0.3)) map.delete(id);
    else map.set(id, pointAnnotation(id, `${name} 第${i}次`, 120.29 + rnd.next() / 100, 30.52 + rnd.next() / 100));
    await new Promise((r) => setTimeout(r, rnd.int(15)));
  }
}

const json = docJson;

async function converged(clients: SyncClient[], timeoutMs = 20_000): Promise<void> {
  await eventually(() => clients.every((c) => json(c.doc) === json(clients[0]!.doc)), timeoutMs, 'convergence');
}

async function clientsOn(t: Teardown, wsUrls: string[], tokens: string[]): Promise<SyncClient[]> {
  return Promise.all(wsUrls.map((u, i) => connectClient(t, u, DOC, tokens[i]!)));
}

describe('documents relayed between instances over Redis', () => {
  test('stock clients spread over three instances converge on the whole document, and a fresh load from PostgreSQL agrees', async (t) => {
    // A snapshot every 7 updates: instances snapshot while others append.
    const cluster = await startCluster(t, 3, { SNAPSHOT_EVERY: '7' });
    const [a, b, c] = cluster.instances as [NonNullable<(typeof cluster.instances)[0]>, ...typeof cluster.instances];
    const tokens = await Promise.all(cluster.instances.map(async (i) => (await cluster.login(i, 'deqing')).token));
    // Two clients per instance.
    const urls = [a, a, b!, b!, c!, c!].map((i) => i.wsUrl);
    const clients = await clientsOn(t, urls, [...tokens, ...tokens]);
    await Promise.all(clients.map((cl, i) => randomEdits(cl, `c${i}`, 100 + i, 40)));
    await converged(clients);
    expect(clients.map((cl) => cl.rejections).flat()).toEqual([]);
    expect(clients[0]!.doc.getMap('annotations').size).toBeGreaterThan(10);

    // A new instance loads the document from the log (and snapshot) alone: the same state.
    const d = await cluster.add();
    const fresh = await connectClient(t, d.wsUrl, DOC, (await cluster.login(d, 'deqing')).token);
    expect(json(fresh.doc)).toBe(json(clients[0]!.doc));
    const snaps = await query(cluster.schema.url, 'SELECT seq FROM doc_snapshots WHERE doc = $1', [DOC]);
    expect(Number(snaps[0]?.seq ?? 0)).toBeGreaterThan(0);
  });

  test('write scopes hold on every instance: an update refused on B never reaches a client on A', async (t) => {
    const cluster = await startCluster(t, 2);
    const [a, b] = cluster.instances;
    const owner = await connectClient(t, a!.wsUrl, DOC, (await cluster.login(a!, 'deqing')).token);
    const other = await connectClient(t, b!.wsUrl, DOC, (await cluster.login(b!, 'linping')).token);
    other.doc.getMap('annotations').set('intruder', pointAnnotation('intruder', '越权标注'));
    await eventually(() => other.rejections.length > 0, 10_000, 'the refusal');
    expect(other.rejections[0]).toContain('FORBIDDEN');
    // A later edit by the owner arrives on B, the refused one never on A.
    owner.doc.getMap('annotations').set('own', pointAnnotation('own', '本站标注'));
    await eventually(() => other.doc.getMap('annotations').has('own'), 10_000, 'the owner edit on B');
    expect(owner.doc.getMap('annotations').has('intruder')).toBe(false);
  });

  test('presence set by a client on one instance is seen on another, also by a client that joins later, and goes when it leaves', async (t) => {
    const cluster = await startCluster(t, 2);
    const [a, b] = cluster.instances as [(typeof cluster.instances)[0], (typeof cluster.instances)[0]];
    const onA = await connectClient(t, a!.wsUrl, DOC, (await cluster.login(a!, 'deqing')).token);
    onA.provider.awareness.setLocalStateField('cursor', { lng: 120.3, lat: 30.5 });
    // B loads the document after the state was set: it asks A for the states of its clients.
    const onB = await connectClient(t, b!.wsUrl, DOC, (await cluster.login(b!, 'linping')).token);
    const idA = onA.doc.clientID;
    await eventually(() => onB.provider.awareness.getStates().has(idA), 10_000, 'A presence on B');
    const state = onB.provider.awareness.getStates().get(idA) as { cursor: unknown; user: { name: string } };
    expect(state.cursor).toEqual({ lng: 120.3, lat: 30.5 });
    // Stamped by the server A is on: the verified user, not what the client claims.
    expect(state.user.name).toBe('禹越值班民警');

    // And the other way round, for a change made after both are connected.
    onB.provider.awareness.setLocalStateField('cursor', { lng: 120.4, lat: 30.6 });
    await eventually(
      () =>
        (onA.provider.awareness.getStates().get(onB.doc.clientID) as { cursor?: { lng: number } } | undefined)?.cursor
          ?.lng === 120.4,
      10_000,
      'B presence on A',
    );
    onA.destroy();
    await eventually(() => !onB.provider.awareness.getStates().has(idA), 10_000, 'A presence gone on B');
  });
});

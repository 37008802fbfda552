import { describe, expect, test } from 'vitest';
import type * as Y from 'yjs';
import { docJson, startCluster } from '../helpers/cluster.ts';
import { LinkProxy } from '../helpers/link-proxy.ts';
import { query } from '../helpers/pg-schema.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { DEMO_OP } from '../helpers/server.ts';
import { connectClient, eventually, type SyncClient } from '../helpers/sync-client.ts';

const DOC = `${DEMO_OP}/deqing-yuyue`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Keys set by a client, each with a label no other edit uses: `<name>-<n>`. */
function edit(client: SyncClient, name: string, n: number): void {
  const id = `${name}-${n % 6}`;
  client.doc.getMap('annotations').set(id, pointAnnotation(id, `${name} #${n}`));
}

/** Every remote change a client saw, as `key=label`: a change applied twice shows up twice. */
function recordSeen(client: SyncClient): string[] {
  const seen: string[] = [];
  const map = client.doc.getMap('annotations');
  map.observe((event: Y.YMapEvent<unknown>) => {
    if (event.transaction.local) return;
    for (const key of event.keysChanged) {
      const label = (map.get(key) as { label?: string } | undefined)?.label ?? '(deleted)';
      seen.push(`${key}=${label}`);
    }
  });
  return seen;
}

async function logCount(url: string): Promise<number> {
  const rows = await query(url, 'SELECT count(*)::int AS n FROM doc_updates WHERE doc = $1', [DOC]);
  return rows[0]!.n as number;
}

async function converged(clients: SyncClient[], timeoutMs = 20_000): Promise<void> {
  await eventually(() => clients.every((c) => docJson(c.doc) === docJson(clients[0]!.doc)), timeoutMs, 'convergence');
}

describe('faults under the relay', () => {
  test('Redis killed and restarted mid-stream: instances catch up from PostgreSQL, every edit logged once and seen once', async (t) => {
    const cluster = await startCluster(t, 3);
    const clients: SyncClient[] = [];
    for (const instance of cluster.instances) {
      clients.push(await connectClient(t, instance.wsUrl, DOC, (await cluster.login(instance, 'deqing')).token));
    }
    const seen = clients.map(recordSeen);
    const before = await logCount(cluster.schema.url);
    let rounds = 0;
    const round = async (count: number) => {
      for (let r = 0; r < count; r++, rounds++) {
        clients.forEach((c, i) => edit(c, `c${i}`, rounds));
        await sleep(40);
      }
    };
    await round(10);
    await cluster.redis.kill();
    await round(15);
    await cluster.redis.start();
    // No edit after the restart: only catching up on reconnection brings the last ones over.
    await converged(clients);
    await round(5);
    await converged(clients);
    expect(await logCount(cluster.schema.url)).toBe(before + rounds * clients.length);
    for (const s of seen) expect(s.length).toBe(new Set(s).size);
    // Each client saw every other client's last edit of every key.
    const final = clients[0]!.doc.getMap('annotations');
    expect(final.size).toBe(clients.length * 6);
    expect(clients.flatMap((c) => c.rejections)).toEqual([]);
  });

  test('a document loaded while Redis is away catches up once its subscription is confirmed', async (t) => {
    const cluster = await startCluster(t, 2);
    const [a, b] = cluster.instances;
    const onA = await connectClient(t, a!.wsUrl, DOC, (await cluster.login(a!, 'deqing')).token);
    const tokenB = (await cluster.login(b!, 'deqing')).token;
    await cluster.redis.kill();
    // B loads the document now, without waiting for Redis.
    const onB = await connectClient(t, b!.wsUrl, DOC, tokenB);
    edit(onA, 'a', 1);
    edit(onB, 'b', 1);
    await sleep(500);
    await cluster.redis.start();
    // Nothing is edited after the restart: only the catch-up brings each side the other's edit.
    await converged([onA, onB]);
    expect(onA.doc.getMap('annotations').has('b-1')).toBe(true);
    expect(onB.doc.getMap('annotations').has('a-1')).toBe(true);
    // And the relay works for both from then on.
    edit(onA, 'a', 2);
    await eventually(() => onB.doc.getMap('annotations').has('a-2'), 10_000, 'a later edit of A on B');
  });

  test('an instance SIGKILLed mid-stream: its clients reconnect to another instance and nothing any client saw is lost', async (t) => {
    const cluster = await startCluster(t, 3);
    const [a, b, c] = cluster.instances as [
      (typeof cluster.instances)[0],
      (typeof cluster.instances)[0],
      (typeof cluster.instances)[0],
    ];
    // The clients of A reach it through a balancer, which sends them elsewhere once A is gone.
    const balancer = new LinkProxy(Number(new URL(a!.url).port));
    await balancer.start();
    t.onTestFinished(() => balancer.close());
    const token = (await cluster.login(b!, 'deqing')).token;
    const urls = [balancer.url, balancer.url, b!.url, c!.url].map((u) => u.replace('http', 'ws'));
    const clients = await Promise.all(urls.map((u) => connectClient(t, u, DOC, token)));
    const names = clients.map((_, i) => `k${i}`);
    const EDITS = 60;
    const writing = Promise.all(
      clients.map(async (cl, i) => {
        for (let n = 0; n < EDITS; n++) {
          const id = `${names[i]}-${n}`;
          cl.doc.getMap('annotations').set(id, pointAnnotation(id, `${names[i]} #${n}`));
          await sleep(15);
        }
      }),
    );
    await sleep(300);
    balancer.retarget(Number(new URL(b!.url).port));
    await a!.kill('SIGKILL');
    await writing;
    await converged(clients);
    const final = clients[0]!.doc.getMap('annotations');
    for (const name of names) for (let n = 0; n < EDITS; n++) expect(final.has(`${name}-${n}`)).toBe(true);
    expect(clients.flatMap((cl) => cl.rejections)).toEqual([]);

    // Durable: an instance started now loads exactly that from PostgreSQL.
    const d = await cluster.add();
    const fresh = await connectClient(t, d.wsUrl, DOC, (await cluster.login(d, 'deqing')).token);
    expect(docJson(fresh.doc)).toBe(docJson(clients[0]!.doc));
  });
});

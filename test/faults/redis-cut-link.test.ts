import { describe, expect, it } from 'vitest';
import { LiveRedis } from '@jointmap/server/cluster/live-redis';
import { docJson, startRedis } from '../helpers/cluster.ts';
import { LinkProxy } from '../helpers/link-proxy.ts';
import { pointAnnotation } from '../helpers/records.ts';
import type { TestServer } from '../helpers/server.ts';
import { connectClient, eventually, waitSynced } from '../helpers/sync-client.ts';
import { api, epochSeconds, traccarQuery } from '../live/live-helpers.ts';
import { startPair, until } from '../cluster/live-pair.ts';

/**
 * What a request on the cut link may take at most ("a few seconds"): each wait on Redis is bounded
 * by 1 s (REDIS_REPLY_WAIT_MS), and a login makes two rate-limit checks.
 */
const ANSWER_WITHIN_MS = 5_000;

/** `work`, or an error naming `what` once it is still pending after `ms` (the defect: it hangs). */
function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} still pending after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The health answer; with a commander's token it says why a dependency is not ready. */
async function health(server: TestServer, token?: string) {
  const res = await fetch(`${server.url}/api/health`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return {
    status: res.status,
    body: (await res.json()) as { dependencies: Record<string, { ready: boolean; message?: string }> },
  };
}

async function liveRedisReady(server: TestServer): Promise<number | undefined> {
  return (await server.ctx.metrics.registry.getSingleMetric('jointmap_live_redis_ready')!.get()).values[0]?.value;
}

/**
 * Two instances whose every Redis connection goes through one relay the test cuts: the TCP
 * connections stay open and nothing arrives (a pulled cable, a dead host), so no command fails,
 * it just never answers.
 */
async function pairBehindCutLink(t: { onTestFinished(fn: () => unknown): void }) {
  const redis = await startRedis(t);
  const proxy = new LinkProxy(redis.port);
  await proxy.start();
  t.onTestFinished(() => proxy.close());
  const pair = await startPair(t, { redisUrl: `redis://127.0.0.1:${proxy.port}` });
  // Registered last: runs first (vitest runs these hooks in reverse), so the servers close on a live link.
  t.onTestFinished(() => proxy.restore());
  return { ...pair, proxy };
}

describe('Redis link cut but not closed', () => {
  it('logins, tracker fixes and a new document answer within seconds; the clients notice and, once the link is back, the instances converge', async (t) => {
    const { a, b, proxy } = await pairBehindCutLink(t);
    const commander = await a.login('commander');
    proxy.cut();

    const loginStarted = Date.now();
    const deqing = await within(a.login('deqing'), ANSWER_WITHIN_MS, 'login');
    expect(Date.now() - loginStarted).toBeLessThan(ANSWER_WITHIN_MS);
    const fix = await within(
      traccarQuery(a.url, { id: 'demo-yuyue-01', lat: 30.55, lon: 120.1, timestamp: epochSeconds(Date.now() - 5_000) }),
      ANSWER_WITHIN_MS,
      'POST /api/positions/osmand',
    );
    expect(fix.status).toBe(200);

    // A document no instance holds yet: its room subscribes, then loads.
    const created = await within(
      api<{ id: string }>(a, commander.token, 'POST', '/api/operations', {
        name: '断链演练',
        kind: 'response',
        stations: ['deqing-yuyue'],
      }),
      ANSWER_WITHIN_MS,
      'POST /api/operations',
    );
    expect(created.status).toBe(201);
    const doc = `${created.body.id}/deqing-yuyue`;
    const onA = await connectClient(t, a.wsUrl, doc, deqing.token, { waitSynced: false });
    await waitSynced(onA.provider, ANSWER_WITHIN_MS);
    const onBToken = (await within(b.login('deqing'), ANSWER_WITHIN_MS, 'login on B')).token;
    const onB = await connectClient(t, b.wsUrl, doc, onBToken, { waitSynced: false });
    await waitSynced(onB.provider, ANSWER_WITHIN_MS);
    // Both rooms loaded without their subscriptions confirmed: neither edit crosses over now.
    onA.doc.getMap('annotations').set('a-during-cut', pointAnnotation('a-during-cut', '断链期间 A'));
    onB.doc.getMap('annotations').set('b-during-cut', pointAnnotation('b-during-cut', '断链期间 B'));

    // The dead link is noticed (no reply to the keepalive PING): the clients stop reporting ready.
    await until(async () => (await liveRedisReady(a)) === 0, 15_000, 'live side of A not ready');
    await until(
      async () =>
        (await health(a, commander.token)).body.dependencies.redis?.message ===
        'the document relay is not connected to Redis',
      15_000,
      'document relay of A not ready',
    );
    // Anyone else learns which dependency is down, not why (the reason names hosts and ports).
    expect((await health(a)).body.dependencies.redis).toEqual({ ready: false });

    proxy.restore();
    await until(async () => (await health(a)).status === 200 && (await health(b)).status === 200, 20_000, 'ready');
    // Nothing is edited after the link is back: only the catch-up brings each side the other's edit.
    await eventually(() => docJson(onA.doc) === docJson(onB.doc), 10_000, 'convergence');
    expect(onA.doc.getMap('annotations').has('b-during-cut')).toBe(true);
    expect(onB.doc.getMap('annotations').has('a-during-cut')).toBe(true);
    // And the relay follows again.
    onB.doc.getMap('annotations').set('after-cut', pointAnnotation('after-cut', '恢复之后'));
    await eventually(() => onA.doc.getMap('annotations').has('after-cut'), 10_000, 'a later edit of B on A');
    expect(await liveRedisReady(a)).toBe(1);
  });

  it('a command connection kept busy on the cut link is noticed too, and is back once the link is', async (t) => {
    const redis = await startRedis(t);
    const proxy = new LinkProxy(redis.port);
    await proxy.start();
    t.onTestFinished(() => proxy.close());
    const live = await LiveRedis.connect({
      url: `redis://127.0.0.1:${proxy.port}`,
      prefix: 'jm-test-cut:',
      onError: () => undefined,
    });
    t.onTestFinished(() => live.close());
    t.onTestFinished(() => proxy.restore());
    proxy.cut();
    // Every write counts as activity for the socket's idle timeout: a steady stream of commands
    // (trackers reporting) would keep a dead link looking alive if they were all written.
    const traffic = setInterval(() => {
      for (let i = 0; i < 50; i++) live.cmd.ping().catch(() => undefined);
    }, 50);
    t.onTestFinished(() => clearInterval(traffic));
    await until(() => !live.cmd.isReady, 30_000, 'the busy connection taken for dead');
    clearInterval(traffic);
    proxy.restore();
    await until(() => live.ready, 10_000, 'reconnected');
    expect(await live.cmd.ping()).toBe('PONG');
  });
});

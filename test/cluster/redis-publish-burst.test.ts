import { describe, expect, it } from 'vitest';
import { DocChangeHints, type DocChange } from '@jointmap/server/cluster/doc-change-hints';
import { RedisDocRelay } from '@jointmap/server/cluster/doc-relay';
import { LiveRedis } from '@jointmap/server/cluster/live-redis';
import { RedisLiveRelay } from '@jointmap/server/cluster/live-relay';
import { RedisLink } from '@jointmap/server/cluster/redis-link';
import { RedisPublisher } from '@jointmap/server/cluster/redis-publisher';
import type { RelayEvent } from '@jointmap/server/rooms/relay-port';
import { startRedis } from '../helpers/cluster.ts';
import type { Teardown } from '../helpers/server.ts';
import { eventually } from '../helpers/sync-client.ts';

/**
 * More publishes in one turn of the event loop than node-redis holds in a connection's command
 * queue (REDIS_MAX_PENDING_COMMANDS, 1000), on a healthy link: what a group commit of several
 * busy rooms does. Nothing may be lost: it arrives, or the receiver is told to catch up.
 */
const BURST = 1500;
const quiet = { info: () => undefined, warn: () => undefined };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function openLink(t: Teardown, url: string): Promise<RedisLink> {
  const link = await RedisLink.open(url, quiet);
  t.onTestFinished(() => link.close());
  return link;
}

describe('a burst of publishes over the command queue bound', () => {
  it('every document update of the burst reaches the other instance, in order', async (t) => {
    const redis = await startRedis(t);
    const [linkA, linkB] = [await openLink(t, redis.url), await openLink(t, redis.url)];
    const none = () => Promise.resolve([]);
    const relayA = new RedisDocRelay(linkA, 'burst:', none, quiet);
    const relayB = new RedisDocRelay(linkB, 'burst:', none, quiet);
    t.onTestFinished(() => (relayA.close(), relayB.close()));

    const seqs: number[] = [];
    let resyncs = 0;
    const onB = relayB.subscribe('op/doc', (e: RelayEvent) => {
      if (e.type === 'update') seqs.push(e.seq);
      if (e.type === 'resync') resyncs++;
    });
    const onA = relayA.subscribe('op/doc', () => undefined);
    await Promise.all([onA.ready, onB.ready]);

    for (let seq = 1; seq <= BURST; seq++) onA.publish({ type: 'update', seq, update: new Uint8Array([seq & 0xff]) });

    await eventually(() => seqs.length === BURST, 10_000, `${BURST} updates on B`);
    expect(seqs).toEqual(Array.from({ length: BURST }, (_, i) => i + 1));
    expect(resyncs).toBe(0);
  });

  it('a document hint sent while other publishes fill the connection reaches the other instance', async (t) => {
    const redis = await startRedis(t);
    const [linkA, linkB] = [await openLink(t, redis.url), await openLink(t, redis.url)];
    const hintsA = await DocChangeHints.open(linkA, 'burst:changed', quiet);
    const hintsB = await DocChangeHints.open(linkB, 'burst:changed', quiet);
    t.onTestFinished(() => (hintsA.close(), hintsB.close()));
    const hinted: (DocChange[] | null)[] = [];
    hintsB.subscribe((changes) => hinted.push(changes));

    // Other publishes on the same connection fill its queue this turn; the hint goes out after it.
    for (let i = 0; i < BURST; i++) linkA.pub.publish('burst:other', 'x').catch(() => undefined);
    hintsA.publish('op/doc', new Set(['annotations']));

    await eventually(() => hinted.length > 0, 5_000, 'the hint on B');
    expect(hinted).toEqual([[{ doc: 'op/doc', roots: ['annotations'] }]]);
  });

  it('every device registration of the burst reaches the other instance', async (t) => {
    const redis = await startRedis(t);
    const connect = async () => {
      const live = await LiveRedis.connect({ url: redis.url, prefix: 'burst:', onError: () => undefined });
      const relay = await RedisLiveRelay.create(live);
      t.onTestFinished(async () => {
        await relay.close();
        await live.close();
      });
      return relay;
    };
    const [a, b] = [await connect(), await connect()];
    const seen = new Set<string>();
    let resyncs = 0;
    b.subscribeDevices((d) => seen.add(d.id));
    b.onResync(() => resyncs++);

    for (let i = 0; i < BURST; i++) {
      a.publishDevice({ id: `dev-${i}`, stationId: 'st', unitId: null, label: `#${i}`, createdAt: 0 });
    }
    // Each registration arrives, or B is told to read them all again from storage.
    await eventually(() => seen.size === BURST || resyncs > 0, 10_000, `${BURST} devices on B`);
    await sleep(200);
    expect(seen.size).toBe(BURST);
  });

  it('messages past the backlog bound are dropped, and the publisher says so once the rest is sent', async (t) => {
    const redis = await startRedis(t);
    const [linkA, linkB] = [await openLink(t, redis.url), await openLink(t, redis.url)];
    const got: string[] = [];
    await linkB.sub.subscribe('burst:bounded', (m) => got.push(m));
    let overflowed = 0;
    let sentWhenTold = -1;
    const publisher = new RedisPublisher(linkA.pub, {
      window: 10,
      maxHeld: 100,
      onOverflowed: () => {
        overflowed++;
        sentWhenTold = publisher.waiting;
      },
    });
    t.onTestFinished(() => publisher.close());

    for (let i = 0; i < 500; i++) publisher.publish('burst:bounded', String(i));

    await eventually(() => overflowed > 0, 5_000, 'the overflow notice');
    await eventually(() => got.length === 110, 5_000, 'the messages kept');
    await sleep(100);
    expect(got).toEqual(Array.from({ length: 110 }, (_, i) => String(i)));
    expect([overflowed, sentWhenTold]).toEqual([1, 0]);
  });
});

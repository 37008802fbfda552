import { randomBytes } from 'node:crypto';
import type { PositionRelay, RelayedFix } from '../live/relay.ts';
import type { Device } from '../storage/types.ts';
import type { LiveRedis } from './live-redis.ts';
import { RedisPublisher } from './redis-publisher.ts';
import { REDIS_REPLY_WAIT_MS, replyWithin } from './redis-timing.ts';

/** What goes over a channel: the sending instance, so it skips its own messages. */
interface Envelope<T> {
  from: string;
  body: T;
}

/**
 * {@link PositionRelay} over Redis pub/sub: every stored fix (and report without a position) and every device registration is
 * published once and reaches every instance. Pub/sub, not streams: a message is only a hint that
 * storage (PostgreSQL) changed, storage already holds it (durable before relay), and after a break
 * an instance reads the latest positions from storage again instead of replaying a stream.
 *
 * Local subscribers get this instance's messages at once (not through Redis), so a viewer on the
 * ingesting instance does not wait on Redis and still gets them while Redis is away.
 *
 * A break is noticed on either side: the subscriber connection coming back means messages may have
 * been missed (resync here); a publish that failed means others missed ours, so once the command
 * connection is back a `resync` message tells them to catch up.
 */
export class RedisLiveRelay implements PositionRelay {
  private readonly id = randomBytes(8).toString('hex');
  private readonly fixHandlers = new Set<(pos: RelayedFix) => void>();
  private readonly deviceHandlers = new Set<(device: Device) => void>();
  private readonly resyncHandlers = new Set<() => void>();
  private readonly channels;
  private readonly publisher: RedisPublisher;
  private publishFailed = false;
  private closed = false;
  /** Fixes stored during this turn of the event loop, published as one message after it. */
  private outbox: RelayedFix[] = [];
  private readonly onSubReady = () => this.emitResync();
  private readonly onCmdReady = () => {
    if (!this.publishFailed) return;
    this.publishFailed = false;
    this.send(this.channels.resync, null);
  };

  private constructor(private readonly redis: LiveRedis) {
    this.channels = {
      fixes: redis.key('live:fixes'),
      devices: redis.key('live:devices'),
      resync: redis.key('live:resync'),
    };
    // Leaves most of the connection's queue to the rate limits and the socket.io adapter. Messages
    // dropped from a full backlog (the link stayed up): the others read the latest again.
    this.publisher = new RedisPublisher(redis.cmd, {
      window: 256,
      onDown: () => (this.publishFailed = true),
      onOverflowed: () => this.send(this.channels.resync, null),
    });
  }

  /** Subscribed before it resolves, so nothing published after is missed. */
  static async create(redis: LiveRedis): Promise<RedisLiveRelay> {
    const relay = new RedisLiveRelay(redis);
    const { fixes, devices, resync } = relay.channels;
    await redis.sub.subscribe(fixes, (raw) =>
      relay.receive(raw, (batch: RelayedFix[]) => {
        if (Array.isArray(batch)) for (const p of batch) relay.deliverFix(p);
      }),
    );
    await redis.sub.subscribe(devices, (raw) => relay.receive(raw, (d: Device) => relay.deliverDevice(d)));
    await redis.sub.subscribe(resync, (raw) => relay.receive(raw, () => relay.emitResync()));
    // 'ready' fires again after each reconnect (the client resubscribes by itself).
    redis.sub.on('ready', relay.onSubReady);
    redis.cmd.on('ready', relay.onCmdReady);
    return relay;
  }

  /**
   * Delivered here at once; to the others in one message per burst of promise continuations (a group
   * commit of the ingest stores many fixes at once), which costs Redis and every receiving
   * instance one message instead of one per fix.
   */
  publish(pos: RelayedFix): void {
    this.deliverFix(pos);
    if (this.outbox.push(pos) === 1) {
      process.nextTick(() => {
        const batch = this.outbox;
        this.outbox = [];
        this.send(this.channels.fixes, batch);
      });
    }
  }

  subscribe(handler: (pos: RelayedFix) => void): () => void {
    this.fixHandlers.add(handler);
    return () => this.fixHandlers.delete(handler);
  }

  publishDevice(device: Device): void {
    this.deliverDevice(device);
    this.send(this.channels.devices, device);
  }

  subscribeDevices(handler: (device: Device) => void): () => void {
    this.deviceHandlers.add(handler);
    return () => this.deviceHandlers.delete(handler);
  }

  onResync(handler: () => void): () => void {
    this.resyncHandlers.add(handler);
    return () => this.resyncHandlers.delete(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.publisher.close();
    this.redis.sub.off('ready', this.onSubReady);
    this.redis.cmd.off('ready', this.onCmdReady);
    this.fixHandlers.clear();
    this.deviceHandlers.clear();
    this.resyncHandlers.clear();
    if (this.redis.sub.isReady) {
      // Bounded: on a cut link the reply never comes (the connection is closed next anyway).
      await replyWithin(this.redis.sub.unsubscribe(Object.values(this.channels)), REDIS_REPLY_WAIT_MS).catch(
        () => undefined,
      );
    }
  }

  private send(channel: string, body: unknown): void {
    if (this.closed) return;
    const envelope: Envelope<unknown> = { from: this.id, body };
    this.publisher.publish(channel, JSON.stringify(envelope));
  }

  private receive<T>(raw: string, deliver: (body: T) => void): void {
    if (this.closed) return;
    let envelope: Envelope<T>;
    try {
      envelope = JSON.parse(raw) as Envelope<T>;
    } catch {
      return; // not ours (another program on the channel): ignored
    }
    if (envelope.from !== this.id) deliver(envelope.body);
  }

  private deliverFix(pos: RelayedFix): void {
    for (const h of this.fixHandlers) h(pos);
  }

  private deliverDevice(device: Device): void {
    for (const h of this.deviceHandlers) h(device);
  }

  private emitResync(): void {
    if (this.closed) return;
    for (const h of this.resyncHandlers) h();
  }
}

import { randomBytes } from 'node:crypto';
import type { DocRelay, RelayEvent, RelayMessage, RelaySubscription, SeqUpdate } from '../rooms/relay-port.ts';
import { decodeRelayMessage, encodeRelayMessage } from './relay-codec.ts';
import type { RedisLink, RedisLog } from './redis-link.ts';
import { RedisPublisher } from './redis-publisher.ts';
import { REDIS_REPLY_WAIT_MS } from './redis-timing.ts';

type Listener = (event: RelayEvent) => void;

/**
 * The document relay over Redis pub/sub: one channel per document (`<prefix>doc:<name>`), to
 * which every instance holding the document subscribes. Pub/sub keeps nothing: what an instance
 * misses (Redis restarted, a connection dropped) it reads from the PostgreSQL update log, which
 * has every update with its sequence number (see RoomRelayLink and docs/decisions.md).
 */
export class RedisDocRelay implements DocRelay {
  /** This process, so that it ignores its own messages (Redis sends them back to it). */
  readonly instance = randomBytes(9).toString('base64url');
  private readonly listeners = new Map<string, Set<Listener>>();
  /** Channels subscribed (or being subscribed): resolves when Redis confirmed. */
  private readonly subscribed = new Map<string, Promise<void>>();
  private readonly publisher: RedisPublisher;
  private closed = false;

  constructor(
    private readonly link: RedisLink,
    private readonly prefix: string,
    readonly updatesAfter: (doc: string, seq: number) => Promise<SeqUpdate[]>,
    private readonly log: RedisLog,
  ) {
    // Updates dropped from a full backlog: every room catches up and says where it is (`head`),
    // so the others learn they are behind, as after a reconnect.
    this.publisher = new RedisPublisher(link.pub, { onOverflowed: () => this.resyncAll() });
    link.onReconnected(() => {
      for (const [channel, set] of this.listeners) {
        // A subscribe that failed while Redis was away (too many waiting) is made again.
        if (!this.subscribed.has(channel)) {
          this.confirm(channel).then(
            () => set.forEach((l) => this.tell(l, { type: 'resync' })),
            () => undefined,
          );
        }
        for (const l of set) this.tell(l, { type: 'resync' });
      }
    });
  }

  subscribe(doc: string, listener: Listener): RelaySubscription {
    const channel = `${this.prefix}doc:${doc}`;
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(listener);
    const live = set;
    const confirmed = this.subscribed.get(channel) ?? this.confirm(channel);
    return {
      ready: this.readyWithin(confirmed, () => live.has(listener) && this.tell(listener, { type: 'resync' })),
      publish: (message) => this.publish(channel, message),
      close: () => this.unsubscribe(channel, listener),
    };
  }

  /**
   * When a room may load: once Redis confirmed the subscription, or at once when Redis is down,
   * or after REDIS_REPLY_WAIT_MS when it does not answer (a cut link). A load that did not wait
   * for the confirmation catches up (`resync`) once it comes; a subscription that fails instead
   * is made again when the link is back, with a resync then.
   */
  private readyWithin(confirmed: Promise<void>, resync: () => void): Promise<void> {
    const late = () => {
      confirmed.then(resync, () => undefined);
    };
    // Redis down: do not hold the load up; once subscribed, the room catches up from the log.
    if (!this.link.sub.isReady) {
      late();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        late();
        resolve();
      }, REDIS_REPLY_WAIT_MS);
      confirmed.then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }

  /** Subscribe to `channel`; resolves when Redis confirmed. */
  private confirm(channel: string): Promise<void> {
    const confirmed = this.link.sub.subscribe(channel, this.dispatch, true);
    this.subscribed.set(channel, confirmed);
    confirmed.catch((err: unknown) => {
      if (this.subscribed.get(channel) === confirmed) this.subscribed.delete(channel);
      if (!this.closed) this.log.warn({ err, channel }, 'Redis subscribe failed; retried when Redis is back');
    });
    return confirmed;
  }

  private publish(channel: string, message: RelayMessage): void {
    if (this.closed) return;
    // A publish lost with the connection is not retried: the others catch up from the log (on the
    // next gap, or on the `head` this instance publishes once its connection is back).
    this.publisher.publish(channel, Buffer.from(encodeRelayMessage(this.instance, message)));
  }

  private resyncAll(): void {
    for (const set of this.listeners.values()) for (const l of set) this.tell(l, { type: 'resync' });
  }

  private unsubscribe(channel: string, listener: Listener): void {
    const set = this.listeners.get(channel);
    if (!set?.delete(listener) || set.size > 0) return;
    this.listeners.delete(channel);
    this.subscribed.delete(channel);
    if (!this.closed) this.link.sub.unsubscribe(channel, this.dispatch, true).catch(() => undefined);
  }

  private readonly dispatch = (data: Buffer, channel: Buffer): void => {
    const set = this.listeners.get(channel.toString());
    if (!set) return;
    let decoded: ReturnType<typeof decodeRelayMessage>;
    try {
      decoded = decodeRelayMessage(data);
    } catch (err) {
      this.log.warn({ err, channel: channel.toString() }, 'malformed relay message ignored');
      return;
    }
    if (decoded.instance === this.instance) return;
    for (const l of set) this.tell(l, decoded.message);
  };

  private tell(listener: Listener, event: RelayEvent): void {
    try {
      listener(event);
    } catch (err) {
      this.log.warn({ err, event: event.type }, 'relay message could not be applied');
    }
  }

  /** Stop relaying (shutdown); the link is closed by its owner. */
  close(): void {
    this.closed = true;
    this.publisher.close();
    this.listeners.clear();
    this.subscribed.clear();
  }
}

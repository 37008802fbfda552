import { randomBytes } from 'node:crypto';
import type { RedisLink, RedisLog } from './redis-link.ts';
import { RedisPublisher } from './redis-publisher.ts';

/** A document whose top-level maps (`roots`) a commit changed. */
export interface DocChange {
  doc: string;
  roots: string[];
}

/** `null`: hints may have been lost (a break in the link); everything followed should be read again. */
export type DocChangeHandler = (changes: DocChange[] | null) => void;

interface Envelope {
  from: string;
  changes: DocChange[] | null;
}

/**
 * Hints, over one Redis channel every instance subscribes to, that documents changed on another
 * instance. The document relay reaches only the instances holding a document's room, while some
 * services follow documents without holding their rooms: the alert engine follows the rules and
 * rosters of every active operation, the search coverage its sectors, the TAK picture its
 * drawings. Without a hint, an instance whose room had unloaded would go on judging fixes by a
 * rule disabled or deleted elsewhere. A hint carries no data: the receiver reads the document
 * (through its room, from storage). Commits of one tick go out as one message. A break in the
 * link may lose hints either way, so once it is back this side hears `null` and the others are
 * sent `null`: each reads again everything it follows.
 */
export class DocChangeHints {
  private readonly instance = randomBytes(9).toString('base64url');
  private readonly handlers = new Set<DocChangeHandler>();
  private outbox = new Map<string, Set<string>>();
  private readonly publisher: RedisPublisher;
  private closed = false;

  private constructor(
    link: RedisLink,
    private readonly channel: string,
    private readonly log: RedisLog,
  ) {
    // Hints dropped from a full backlog (the link stayed up): the others read everything again.
    this.publisher = new RedisPublisher(link.pub, { window: 64, onOverflowed: () => this.send(null) });
  }

  /** Subscribed before it resolves, so no hint published after is missed. */
  static async open(link: RedisLink, channel: string, log: RedisLog): Promise<DocChangeHints> {
    const hints = new DocChangeHints(link, channel, log);
    await link.sub.subscribe(channel, hints.receive);
    link.onReconnected(() => {
      hints.deliver(null);
      hints.send(null);
    });
    return hints;
  }

  /** A commit on this instance changed `roots` of `doc`: the others hear of it after this tick. */
  publish(doc: string, roots: ReadonlySet<string>): void {
    if (this.closed || roots.size === 0) return;
    const first = this.outbox.size === 0;
    const held = this.outbox.get(doc) ?? this.outbox.set(doc, new Set()).get(doc)!;
    for (const r of roots) held.add(r);
    if (first)
      setImmediate(() => {
        const changes = [...this.outbox].map(([d, r]) => ({ doc: d, roots: [...r] }));
        this.outbox = new Map();
        this.send(changes);
      });
  }

  /** Hear of changes made on the other instances. */
  subscribe(handler: DocChangeHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  close(): void {
    this.closed = true;
    this.publisher.close();
    this.handlers.clear();
  }

  private send(changes: DocChange[] | null): void {
    if (this.closed) return;
    const envelope: Envelope = { from: this.instance, changes };
    // A hint lost with the connection is made good by the `null` sent once the link is back.
    this.publisher.publish(this.channel, JSON.stringify(envelope));
  }

  private readonly receive = (raw: string): void => {
    if (this.closed) return;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(raw) as Envelope;
    } catch (err) {
      this.log.warn({ err, channel: this.channel }, 'malformed document hint ignored');
      return;
    }
    if (envelope.from === this.instance) return;
    const changes = Array.isArray(envelope.changes)
      ? envelope.changes.filter((c) => typeof c?.doc === 'string' && Array.isArray(c.roots))
      : null;
    this.deliver(changes);
  };

  private deliver(changes: DocChange[] | null): void {
    for (const h of this.handlers) {
      try {
        h(changes);
      } catch (err) {
        this.log.warn({ err }, 'document hint could not be applied');
      }
    }
  }
}

/**
 * What a room needs of the relay between server instances (Redis in production, see
 * server/src/cluster/). A room that has none serves its own connections only (one instance).
 */

/** One logged update of a document: its sequence number in the update log, and its bytes. */
export interface SeqUpdate {
  seq: number;
  update: Uint8Array;
}

/** What instances tell each other about one document. */
export type RelayMessage =
  /** An update another instance made durable with this sequence number. */
  | { type: 'update'; seq: number; update: Uint8Array }
  /** Another instance's newest sequence number (after its link came back): catch up if behind. */
  | { type: 'head'; seq: number }
  /** Presence states set (or removed) by another instance's connections. */
  | { type: 'awareness'; update: Uint8Array }
  /** Another instance just loaded the document: send it the presence states of your connections. */
  | { type: 'awarenessQuery' };

/** What a subscription reports: a message, or that messages may have been missed (link back up). */
export type RelayEvent = RelayMessage | { type: 'resync' };

export interface RelaySubscription {
  /**
   * Resolves once every message published from now on reaches the listener. When the relay is
   * down it resolves at once, and when it does not answer it resolves after a short wait (a cut
   * link); either way a `resync` event follows when the subscription is active.
   */
  readonly ready: Promise<void>;
  /** Send to the other instances holding the document (never back to this one). Never throws. */
  publish(message: RelayMessage): void;
  close(): void;
}

export interface DocRelay {
  subscribe(doc: string, listener: (event: RelayEvent) => void): RelaySubscription;
  /** The durable log of `doc` after `seq`, in order: where a room catches up on what it missed. */
  updatesAfter(doc: string, seq: number): Promise<SeqUpdate[]>;
}

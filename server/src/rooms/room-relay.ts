import * as Y from 'yjs';
import type { DocRelay, RelayEvent, RelaySubscription } from './relay-port.ts';

/** What the relay link needs of its room. */
export interface RelayedRoom {
  /** Run on the room's serial queue, after everything queued before. */
  run(task: () => Promise<void>): void;
  /**
   * Apply an update other instances made durable (`seq`: the highest sequence number it covers)
   * and pass it on to this instance's connections.
   */
  applyRelayed(update: Uint8Array, seq: number): void;
  /** Presence states set or removed on another instance. */
  applyAwareness(update: Uint8Array): void;
  /** The presence states of this instance's connections (null: none). */
  ownAwareness(): Uint8Array | null;
}

/** Transaction origin of updates applied from other instances. */
export const RELAYED_UPDATE = Symbol('relayed update');

/**
 * A message that arrived ahead of one it follows waits this long for the missing one before the
 * room reads the gap from the log (instances publish independently, so arrival order across them
 * is not log order; a message lost with a Redis connection never comes).
 */
const GAP_WAIT_MS = 100;

/**
 * Sequence numbers a room has applied: every one up to `watermark`, and some beyond it (its own
 * appends, numbered after updates of other instances it has not received yet).
 */
export class AppliedSeqs {
  private readonly ahead = new Set<number>();
  highest: number;

  constructor(public watermark: number) {
    this.highest = watermark;
  }

  has(seq: number): boolean {
    return seq <= this.watermark || this.ahead.has(seq);
  }

  add(seq: number): void {
    if (this.has(seq)) return;
    this.highest = Math.max(this.highest, seq);
    if (seq !== this.watermark + 1) {
      this.ahead.add(seq);
      return;
    }
    this.watermark = seq;
    while (this.ahead.delete(this.watermark + 1)) this.watermark++;
  }

  /** Some update below `highest` is missing. */
  get gapped(): boolean {
    return this.ahead.size > 0;
  }
}

/**
 * A room's link to the other instances holding its document. Subscribes before the room loads
 * (`open`), holds what arrives while it loads, then applies only updates the load did not contain
 * (by sequence number) and catches up from the durable log whenever a number is missing or the
 * relay was down. Publishes each update the room appended, after the append: nothing reaches
 * another instance before PostgreSQL has it.
 */
export class RoomRelayLink {
  private readonly sub: RelaySubscription;
  private room: RelayedRoom | null = null;
  /** Events received before `start`. */
  private held: RelayEvent[] | null = [];
  private applied = new AppliedSeqs(0);
  /** Relayed updates received ahead of a missing one, by sequence number. */
  private readonly early = new Map<number, Uint8Array>();
  private gapTimer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly relay: DocRelay,
    private readonly doc: string,
  ) {
    this.sub = relay.subscribe(doc, (event) => (this.held ? this.held.push(event) : this.handle(event)));
  }

  /** Subscribe to `doc`; when this resolves, no later message can be missed: load the document now. */
  static async open(relay: DocRelay, doc: string): Promise<RoomRelayLink> {
    const link = new RoomRelayLink(relay, doc);
    try {
      await link.sub.ready;
    } catch (err) {
      link.close();
      throw err;
    }
    return link;
  }

  /** The room loaded the log through `loadedSeq`. Events keep waiting until `start`. */
  attach(room: RelayedRoom, loadedSeq: number): void {
    this.room = room;
    this.applied = new AppliedSeqs(loadedSeq);
  }

  /** Apply what arrived while loading, then follow the relay; ask the others who is present. */
  start(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const event of held) this.handle(event);
    this.sub.publish({ type: 'awarenessQuery' });
  }

  /** This instance appended `update` as `seq` (it is durable): tell the others. */
  committed(seq: number, update: Uint8Array): void {
    this.applied.add(seq);
    this.sub.publish({ type: 'update', seq, update });
    if (this.applied.gapped) this.armGapTimer();
  }

  publishAwareness(update: Uint8Array): void {
    this.sub.publish({ type: 'awareness', update });
  }

  /** Highest sequence number applied (the room's state contains it). */
  get highest(): number {
    return this.applied.highest;
  }

  close(): void {
    if (this.gapTimer) clearTimeout(this.gapTimer);
    this.gapTimer = null;
    this.room = null;
    this.held = null;
    this.early.clear();
    this.sub.close();
  }

  private handle(event: RelayEvent): void {
    const room = this.room;
    if (!room) return;
    switch (event.type) {
      case 'update':
        if (this.applied.has(event.seq)) return;
        room.run(async () => this.receive(room, event.seq, event.update));
        return;
      case 'head':
        if (event.seq > this.applied.watermark) room.run(() => this.catchUp(room));
        return;
      case 'resync':
        // The link was down: anything may have been missed. Catch up, then say where we are, so
        // an instance whose messages were lost meanwhile learns it is behind.
        room.run(async () => {
          await this.catchUp(room);
          this.sub.publish({ type: 'head', seq: this.applied.highest });
        });
        return;
      case 'awareness':
        room.applyAwareness(event.update);
        return;
      case 'awarenessQuery': {
        const states = room.ownAwareness();
        if (states) this.sub.publish({ type: 'awareness', update: states });
        return;
      }
    }
  }

  private receive(room: RelayedRoom, seq: number, update: Uint8Array): void {
    if (this.applied.has(seq)) return;
    if (seq !== this.applied.watermark + 1) {
      this.early.set(seq, update);
      this.armGapTimer();
      return;
    }
    const parts: Uint8Array[] = [update];
    this.applied.add(seq);
    for (
      let next = this.early.get(this.applied.watermark + 1);
      next;
      next = this.early.get(this.applied.watermark + 1)
    ) {
      this.early.delete(this.applied.watermark + 1);
      parts.push(next);
      this.applied.add(this.applied.watermark + 1);
    }
    for (const s of this.early.keys()) if (this.applied.has(s)) this.early.delete(s);
    room.applyRelayed(parts.length === 1 ? parts[0]! : Y.mergeUpdates(parts), this.applied.highest);
  }

  private armGapTimer(): void {
    if (this.gapTimer) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = null;
      const room = this.room;
      if (room && (this.applied.gapped || this.early.size > 0)) room.run(() => this.catchUp(room));
    }, GAP_WAIT_MS);
    this.gapTimer.unref();
  }

  /** Read the log after the last contiguous sequence number and apply what this room lacks. */
  private async catchUp(room: RelayedRoom): Promise<void> {
    const rows = await this.relay.updatesAfter(this.doc, this.applied.watermark);
    if (this.room !== room) return;
    const fresh = rows.filter((r) => !this.applied.has(r.seq));
    for (const r of fresh) this.applied.add(r.seq);
    for (const s of this.early.keys()) if (this.applied.has(s)) this.early.delete(s);
    if (fresh.length === 0) return;
    room.applyRelayed(
      fresh.length === 1 ? fresh[0]!.update : Y.mergeUpdates(fresh.map((r) => r.update)),
      this.applied.highest,
    );
  }
}

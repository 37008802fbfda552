import type * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import { stampAwarenessIdentity, type StampCache, type VerifiedUser } from './awareness-identity.ts';
import { AwarenessBatch } from './awareness-batch.ts';
import type { PresenceAllowance } from './presence-allowance.ts';
import { encodeAwareness } from './sync-messages.ts';

/** A connection as presence sees it: who it is, and the awareness client ids it set. */
export interface PresenceMember {
  user: VerifiedUser;
  clients: Set<number>;
  /** At most this many client ids at a time; states for further ones are ignored. */
  maxClients: number;
  /** How large a state it may set, and how much presence a second (states over either are ignored). */
  allowance: PresenceAllowance;
  /** Send a presence message; it may be dropped for a connection that has too much waiting to go out. */
  send(data: Uint8Array): void;
}

/** Why states of a member's update were ignored (`RoomPresence.receive`), as bits. */
export const PresenceRefusal = {
  /** A new client id beyond `maxClients`. */
  clients: 1,
  /** A state larger than `allowance.maxStateBytes`. */
  size: 2,
  /** Over the member's presence rate. */
  rate: 4,
} as const;
export type PresenceRefusalBit = (typeof PresenceRefusal)[keyof typeof PresenceRefusal];

/**
 * A removed client id's clock is remembered this long (ms), so that a stale echo of its last
 * state cannot bring it back; then it is forgotten, so that ids coming and going do not pile up.
 */
const FORGET_REMOVED_AFTER_MS = 2 * awarenessProtocol.outdatedTimeout;

/** Origin of presence states applied from another instance (see `applyRelayed`). */
const RELAYED = 'relayed';

/**
 * Presence (Yjs awareness) of one room: identity stamped by the server, each connection owning
 * only the client ids it set itself (at most `maxClients`; the same user's newer connection takes
 * its ids over), states removed when their connection leaves or when they time out. (Quiet
 * connections are kept alive by the WebSocket route, which sends its no-op to any socket that was
 * sent nothing for 2 s: `server/src/routes/sync-liveness.ts`.)
 */
export class RoomPresence<M extends PresenceMember> {
  readonly awareness: awarenessProtocol.Awareness;
  /** Forgets the clocks of ids removed long ago. */
  private readonly sweep: NodeJS.Timeout;
  /** Which member set each client id (kept in step with the members' own sets). */
  private readonly owners = new Map<number, M>();
  /** Client ids whose state came from another instance: no member here may set them. */
  private readonly remote = new Set<number>();
  /** Changes waiting for the next tick, sent to the members as one message each. */
  private readonly batch: AwarenessBatch<M>;
  /** Each client id's last state, as sent and as stamped. */
  private readonly stamps: StampCache = new Map();
  /**
   * The user whose state each client id carried last, kept after the state is removed (its link
   * dropped, or it timed out) until the id's clock is forgotten: meanwhile only that user may
   * claim the id again, so nobody else can take a colleague's presence over while they are away.
   */
  private readonly lastUser = new Map<number, string>();
  /**
   * Told every change made here (a member's update, a member leaving) as an awareness update, for
   * the other instances; not changes that came from them, nor timeouts (each instance times out
   * the states it holds itself).
   */
  onLocalChange: ((update: Uint8Array) => void) | null = null;

  constructor(
    doc: Y.Doc,
    private readonly members: () => Iterable<M>,
    /** Changes are gathered this long (ms) and sent as one message per member; 0: each at once. */
    tickMs = 0,
    /** Renewals (unchanged states with a new clock) are gathered this long (ms); 0: with the changes. */
    renewalMs = 0,
  ) {
    this.awareness = new awarenessProtocol.Awareness(doc);
    this.awareness.setLocalState(null);
    this.awareness.on('update', this.onUpdate);
    this.batch = new AwarenessBatch(this.awareness, members, tickMs, renewalMs);
    this.sweep = setInterval(() => this.forgetRemoved(), FORGET_REMOVED_AFTER_MS / 4);
    this.sweep.unref();
  }

  /** Every current state, for a joiner or a query; null when nobody is present. */
  allStatesMessage(): Uint8Array | null {
    const ids = [...this.awareness.getStates().keys()];
    return ids.length ? encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids)) : null;
  }

  /**
   * Apply a member's awareness update; throws on malformed input. Returns why states were ignored
   * (`PresenceRefusal` bits; 0: none was).
   */
  receive(member: M, update: Uint8Array): number {
    const fresh = new Set<number>();
    let refused = 0;
    // A member may set or clear only its own client ids, never one another member owns, and
    // holds at most `maxClients` of them. Echoes (not newer) are dropped before anything counts;
    // a removal is free, and a state is judged by its size before its text is decoded.
    const mayApply = (clientId: number, clock: number, isNull: boolean, bytes: number): boolean => {
      if (this.ownedByOther(member, clientId) || !this.isNewer(clientId, clock, isNull)) return false;
      const held = member.clients.has(clientId) || fresh.has(clientId);
      // Clearing an id it does not hold would remove nothing; it would only leave a clock behind.
      if (isNull) return held;
      if (bytes > member.allowance.maxStateBytes) {
        refused |= PresenceRefusal.size;
        return false;
      }
      if (!held && member.clients.size + fresh.size >= member.maxClients) {
        refused |= PresenceRefusal.clients;
        return false;
      }
      if (!member.allowance.take(bytes)) {
        refused |= PresenceRefusal.rate;
        return false;
      }
      if (!held) fresh.add(clientId);
      return true;
    };
    const stamped = stampAwarenessIdentity(update, member.user, mayApply, this.stamps).update;
    if (stamped) awarenessProtocol.applyAwarenessUpdate(this.awareness, stamped, member);
    return refused;
  }

  /** Apply states set (or removed) on another instance; throws on malformed input. */
  applyRelayed(update: Uint8Array): void {
    awarenessProtocol.applyAwarenessUpdate(this.awareness, update, RELAYED);
  }

  /** The states this room's members hold, for another instance that just loaded the room (null: none). */
  ownStates(): Uint8Array | null {
    const ids = [...this.owners.keys()].filter((id) => this.awareness.states.has(id));
    return ids.length ? awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids) : null;
  }

  /** Client ids some member holds a state for (tests, metrics). */
  get ownedCount(): number {
    return this.owners.size;
  }

  /** The member left: its states go, and everyone is told. */
  leave(member: M): void {
    const ids = [...member.clients];
    for (const id of ids) if (this.owners.get(id) === member) this.owners.delete(id);
    member.clients.clear();
    if (ids.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, ids, null);
  }

  /** Send nothing more (a failed room) — states stay readable until `destroy`. */
  stop(): void {
    clearInterval(this.sweep);
    this.batch.stop();
  }

  /** Send the changes waiting for the tick now (renewals too). */
  flush(): void {
    this.batch.flush();
    this.batch.flushRenewals();
  }

  destroy(): void {
    this.stop();
    this.awareness.destroy();
  }

  /** Forget the clocks of ids removed long ago (see FORGET_REMOVED_AFTER_MS). */
  private forgetRemoved(): void {
    const now = Date.now();
    for (const [id, meta] of this.awareness.meta) {
      if (id === this.awareness.clientID || this.awareness.states.has(id)) continue;
      if (now - meta.lastUpdated <= FORGET_REMOVED_AFTER_MS) continue;
      this.awareness.meta.delete(id);
      this.lastUser.delete(id);
    }
  }

  /**
   * Whether another connection holds `clientId`, here or on another instance, or another user held
   * it last and its removal is not yet forgotten (see `lastUser`). The same user's new connection
   * does not count as another: a client that reconnects keeps its client id, and its old
   * connection may linger (half-open, until the liveness check drops it; or on an instance that
   * went away). Its newer state takes the id over, as the stock server would apply it.
   */
  private ownedByOther(member: M, clientId: number): boolean {
    const owner = this.owners.get(clientId);
    if ((owner === undefined || owner === member) && !this.remote.has(clientId)) {
      const last = this.lastUser.get(clientId);
      return last !== undefined && last !== member.user.id;
    }
    const state = this.awareness.states.get(clientId) as { user?: { id?: unknown } } | undefined;
    return state?.user?.id !== member.user.id;
  }

  /** `holder` (a member, or null: another instance) now holds `id`; whoever held it before lets go. */
  private hold(id: number, holder: M | null): void {
    const before = this.owners.get(id);
    if (before && before !== holder) {
      before.clients.delete(id);
      this.owners.delete(id);
    }
    if (holder) {
      holder.clients.add(id);
      this.owners.set(id, holder);
      this.remote.delete(id);
    } else this.remote.add(id);
  }

  /** The rule `applyAwarenessUpdate` applies: only a newer clock (or a removal at the same clock) counts. */
  private isNewer(clientId: number, clock: number, isNull: boolean): boolean {
    const current = this.awareness.meta.get(clientId)?.clock ?? 0;
    return current < clock || (current === clock && isNull && this.awareness.states.has(clientId));
  }

  private readonly onUpdate = (
    changes: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const changed = [...changes.added, ...changes.updated, ...changes.removed];
    if (changed.length === 0) return;
    // A member controls the states it actually set (not the ones it merely echoed back), so that
    // its departure removes only those.
    const from = origin as M | null;
    const holder = origin === RELAYED ? null : from && from.clients ? from : undefined;
    for (const list of [changes.added, changes.updated])
      for (const id of list) {
        const userId = (this.awareness.states.get(id) as { user?: { id?: unknown } } | undefined)?.user?.id;
        if (typeof userId === 'string') this.lastUser.set(id, userId);
        if (holder !== undefined) this.hold(id, holder);
      }
    // Whoever removed it (its member, the member leaving, or the awareness timing out a state
    // not renewed for 30 s, origin 'timeout'), a removed id belongs to nobody any more.
    for (const id of changes.removed) {
      this.remote.delete(id);
      this.stamps.delete(id);
      const owner = this.owners.get(id);
      if (!owner) continue;
      owner.clients.delete(id);
      this.owners.delete(id);
    }
    if (origin !== RELAYED && origin !== 'timeout' && this.onLocalChange)
      this.onLocalChange(awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed));
    // A member's states were stamped just now: the batch reuses the stamped JSON.
    if (from && from.clients) this.batch.add(changed, changes.removed, from, this.stampedJson);
    else this.batch.add(changed, changes.removed, null);
  };

  private readonly stampedJson = (id: number): string | undefined => this.stamps.get(id)?.json;
}

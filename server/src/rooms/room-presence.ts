import type * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import { stampAwarenessIdentity, type VerifiedUser } from './awareness-identity.ts';
import { encodeAwareness } from './sync-messages.ts';

/** A connection as presence sees it: who it is, and the awareness client ids it set. */
export interface PresenceMember {
  user: VerifiedUser;
  clients: Set<number>;
  /** At most this many client ids at a time; states for further ones are ignored. */
  maxClients: number;
  send(data: Uint8Array): void;
}

/**
 * A removed client id's clock is remembered this long (ms), so that a stale echo of its last
 * state cannot bring it back; then it is forgotten, so that ids coming and going do not pile up.
 */
const FORGET_REMOVED_AFTER_MS = 2 * awarenessProtocol.outdatedTimeout;

/**
 * Presence (Yjs awareness) of one room: identity stamped by the server, each connection owning
 * only the client ids it set itself (at most `maxClients`), states removed when their connection
 * leaves or when they time out, and a periodic no-op message that keeps quiet connections alive.
 */
export class RoomPresence<M extends PresenceMember> {
  readonly awareness: awarenessProtocol.Awareness;
  private readonly keepalive: NodeJS.Timeout;
  /** Which member set each client id (kept in step with the members' own sets). */
  private readonly owners = new Map<number, M>();

  constructor(
    doc: Y.Doc,
    private readonly members: () => Iterable<M>,
    keepaliveMs: number,
  ) {
    this.awareness = new awarenessProtocol.Awareness(doc);
    this.awareness.setLocalState(null);
    this.awareness.on('update', this.onUpdate);
    this.keepalive = setInterval(() => {
      for (const m of this.members()) m.send(KEEPALIVE);
      this.forgetRemoved();
    }, keepaliveMs);
    this.keepalive.unref();
  }

  /** Every current state, for a joiner or a query; null when nobody is present. */
  allStatesMessage(): Uint8Array | null {
    const ids = [...this.awareness.getStates().keys()];
    return ids.length ? encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids)) : null;
  }

  /**
   * Apply a member's awareness update; throws on malformed input. Returns how many client ids
   * were ignored because the member already has `maxClients`.
   */
  receive(member: M, update: Uint8Array): number {
    const fresh = new Set<number>();
    let refused = 0;
    // A member may set or clear only its own client ids, never one another member owns, and
    // holds at most `maxClients` of them.
    const mayApply = (clientId: number, clock: number, isNull: boolean): boolean => {
      if (this.ownedByOther(member, clientId) || !this.isNewer(clientId, clock, isNull)) return false;
      if (member.clients.has(clientId) || fresh.has(clientId)) return true;
      // Clearing an id it does not hold would remove nothing; it would only leave a clock behind.
      if (isNull) return false;
      if (member.clients.size + fresh.size >= member.maxClients) {
        refused++;
        return false;
      }
      fresh.add(clientId);
      return true;
    };
    const stamped = stampAwarenessIdentity(update, member.user, mayApply).update;
    if (stamped) awarenessProtocol.applyAwarenessUpdate(this.awareness, stamped, member);
    return refused;
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

  /** Stop keepalives (a failed room) — states stay readable until `destroy`. */
  stop(): void {
    clearInterval(this.keepalive);
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
      if (now - meta.lastUpdated > FORGET_REMOVED_AFTER_MS) this.awareness.meta.delete(id);
    }
  }

  private ownedByOther(member: M, clientId: number): boolean {
    const owner = this.owners.get(clientId);
    return owner !== undefined && owner !== member;
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
    if (from && from.clients) {
      for (const id of [...changes.added, ...changes.updated]) {
        from.clients.add(id);
        this.owners.set(id, from);
      }
    }
    // Whoever removed it (its member, the member leaving, or the awareness timing out a state
    // not renewed for 30 s, origin 'timeout'), a removed id belongs to nobody any more.
    for (const id of changes.removed) {
      const owner = this.owners.get(id);
      if (!owner) continue;
      owner.clients.delete(id);
      this.owners.delete(id);
    }
    const message = encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed));
    for (const m of this.members()) if (m !== origin) m.send(message);
  };
}

/** An awareness message with no states: every client accepts it and nothing changes. */
const KEEPALIVE = encodeAwareness(new Uint8Array([0]));

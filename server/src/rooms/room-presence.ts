import type * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import { stampAwarenessIdentity, type VerifiedUser } from './awareness-identity.ts';
import { encodeAwareness } from './sync-messages.ts';

/** A connection as presence sees it: who it is, and the awareness client ids it set. */
export interface PresenceMember {
  user: VerifiedUser;
  clients: Set<number>;
  send(data: Uint8Array): void;
}

/**
 * Presence (Yjs awareness) of one room: identity stamped by the server, each connection owning
 * only the client ids it set itself, states removed when their connection leaves, and a periodic
 * no-op message that keeps quiet connections alive.
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
    }, keepaliveMs);
    this.keepalive.unref();
  }

  /** Every current state, for a joiner or a query; null when nobody is present. */
  allStatesMessage(): Uint8Array | null {
    const ids = [...this.awareness.getStates().keys()];
    return ids.length ? encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids)) : null;
  }

  /** Apply a member's awareness update; throws on malformed input. */
  receive(member: M, update: Uint8Array): void {
    // A member may set or clear only its own client ids, never one another member owns.
    const mayApply = (clientId: number, clock: number, isNull: boolean) =>
      !this.ownedByOther(member, clientId) && this.isNewer(clientId, clock, isNull);
    const stamped = stampAwarenessIdentity(update, member.user, mayApply).update;
    if (stamped) awarenessProtocol.applyAwarenessUpdate(this.awareness, stamped, member);
  }

  /** The member left: its states go, and everyone is told. */
  leave(member: M): void {
    for (const id of member.clients) if (this.owners.get(id) === member) this.owners.delete(id);
    if (member.clients.size > 0) awarenessProtocol.removeAwarenessStates(this.awareness, [...member.clients], null);
  }

  /** Stop keepalives (a failed room) — states stay readable until `destroy`. */
  stop(): void {
    clearInterval(this.keepalive);
  }

  destroy(): void {
    this.stop();
    this.awareness.destroy();
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
      for (const id of changes.removed) {
        from.clients.delete(id);
        if (this.owners.get(id) === from) this.owners.delete(id);
      }
    }
    const message = encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed));
    for (const m of this.members()) if (m !== origin) m.send(message);
  };
}

/** An awareness message with no states: every client accepts it and nothing changes. */
const KEEPALIVE = encodeAwareness(new Uint8Array([0]));

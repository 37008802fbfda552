import * as Y from 'yjs';
import { AppError, initDoc, migrateDoc, SyncCloseCode, type ChangeOrigin, type DocKind } from '@jointmap/shared';
import type { DocStore, UpdateAuthor } from '../storage/types.ts';
import { docFromStored } from '../storage/stored-doc.ts';
import { MAX_BATCH } from './group-commit.ts';
import {
  createConnection,
  overLimitMessage,
  presenceLimitOf,
  sendTo as send,
  type ConnectOptions,
  type Connection,
  type RoomSession,
  type RoomSocket,
} from './room-connection.ts';
import { RoomCore } from './room-core.ts';
import { PacedAnswers } from './state-answers.ts';
import { PresenceRefusal, type PresenceRefusalBit } from './room-presence.ts';
import {
  applyClientUpdate,
  dropPending,
  GAP_REFUSAL,
  NOT_APPLIED,
  screenUpdate,
  type AppliedUpdate,
} from './update-guard.ts';
import { decodeMessage, encodeSyncStep1, encodeUpdate, type InboundMessage } from './sync-messages.ts';

export type { ConnectOptions, RoomSession, RoomSocket } from './room-connection.ts';
import type { RoomOptions } from './room-options.ts';
import { RELAYED_UPDATE, RoomRelayLink, type RelayedRoom } from './room-relay.ts';

export type { RoomHooks, RoomOptions } from './room-options.ts';

/** At most this many of the schema's findings go with a refusal of entries (one update may bring thousands). */
const MAX_REJECTED_ISSUES = 20;

/**
 * One shared document: loads from the update log, authorizes and validates every inbound update,
 * makes it durable, then relays it. All sync work for a room runs through one serial queue, so a
 * joiner never sees state that is not yet durable and relayed updates keep their order.
 */
export class Room extends RoomCore {
  private constructor(
    name: string,
    kind: DocKind,
    doc: Y.Doc,
    store: DocStore,
    options: RoomOptions,
    loaded: { lastSeq: number; snapshotSeq: number; snapshot: Uint8Array | null },
  ) {
    super(name, kind, doc, store, options, loaded);
  }

  /** Load a room from storage, migrating and stamping the document as needed. */
  static async load(name: string, kind: DocKind, store: DocStore, options: RoomOptions): Promise<Room> {
    // Subscribe before loading: an update another instance commits meanwhile is held, not missed.
    const relay = options.relay ? await RoomRelayLink.open(options.relay, name) : null;
    const { stored, doc } = await store
      .loadDoc(name, { room: true })
      .then((loaded) => ({ stored: loaded, doc: docFromStored(loaded) }))
      .catch((err: unknown) => {
        relay?.close();
        throw err;
      });
    // Pending content (in a snapshot of an older version) is never served, and gone from the next snapshot.
    const room = new Room(name, kind, doc, store, options, dropPending(doc) ? { ...stored, snapshot: null } : stored);
    try {
      if (relay) room.linkRelay(relay, stored.lastSeq);
      const server: ChangeOrigin = { source: 'server' };
      room.commit({ sessionId: null, userId: null }, null, () => {
        initDoc(doc, server);
        migrateDoc(doc, kind);
      });
      await room.commits.flush();
    } catch (err) {
      // E.g. a stored record the migration cannot bring up to date: the manager retries (and the
      // client reconnects), so nothing of this attempt may stay behind.
      relay?.close();
      room.discard();
      throw err;
    }
    relay?.start();
    if (room.lastSeq - room.snapshotSeq >= options.snapshotEvery) await room.snapshot();
    return room;
  }

  /** Attach a socket; returns the function that feeds it inbound messages. */
  connect(
    socket: RoomSocket,
    session: RoomSession,
    options: ConnectOptions = {},
  ): { receive(data: Uint8Array): void; close(): void } {
    const conn = createConnection(socket, session, options);
    if (this.failed || this.destroyed) {
      // A stale room (storage failed, or unloading): let the client retry against a fresh load.
      socket.close(SyncCloseCode.unavailable, 'STORAGE_UNAVAILABLE');
      return { receive: () => undefined, close: () => undefined };
    }
    this.conns.set(socket, conn);
    this.pushDurable(async () => {
      send(conn, encodeSyncStep1(Y.encodeStateVector(this.doc)));
      const states = this.presence.allStatesMessage();
      if (states) send(conn, states);
    });
    return {
      receive: (data) => this.receive(conn, data),
      close: () => this.disconnect(conn),
    };
  }

  /** Answers to the connections' sync step 1s, at most one waiting to go out per connection. */
  private readonly paced = new PacedAnswers(this.doc, this.answers, (task) => this.pushDurable(task));

  /** See {@link explainUnload}. */
  private unloadReason: (() => Promise<void>) | null = null;

  /**
   * How to tell a server write that the room was unloaded before it could be written (not failed:
   * that stays `STORAGE_UNAVAILABLE`): `check` throws the refusal to give instead (`roomForWrite`:
   * `FORBIDDEN` when the operation closed, which unloads its rooms), or returns to leave it
   * `STORAGE_UNAVAILABLE` (unloaded while idle: try again). The first one given is kept.
   */
  explainUnload(check: () => Promise<void>): void {
    this.unloadReason ??= check;
  }

  /**
   * Write a change as the server (e.g. operation meta on creation, imports). Durable and relayed
   * when the promise resolves.
   */
  serverChange(apply: (doc: Y.Doc) => void, author: UpdateAuthor = { sessionId: null, userId: null }): Promise<void> {
    let durable = false;
    let error: unknown = null;
    let unloaded = false;
    return this.queue
      .push(async () => {
        await this.commits.flush();
        if (this.failed || this.destroyed) {
          unloaded = !this.failed;
          return;
        }
        try {
          this.commit(author, null, () => apply(this.doc));
        } catch (err) {
          // The caller's own error (e.g. a refused record): the room is fine, the caller is told.
          error = err;
        }
        await this.commits.flush();
        // A failed append fails the room; "nothing changed" is fine.
        durable = !this.failed;
      })
      .then(async () => {
        if (error) throw error;
        if (unloaded) await this.unloadReason?.();
        if (!durable) throw new AppError('STORAGE_UNAVAILABLE', `${this.name} could not be written`);
      });
  }

  private receive(conn: Connection, data: Uint8Array): void {
    // Gone (closed, refused) or unloading: nothing more of it is taken. An unloading room writes
    // what was queued before, then closes every connection; an update that came since is sent
    // again by its client's sync handshake, and judged by the access it is then given.
    if (this.destroyed || !this.conns.has(conn.socket)) return;
    let msg: InboundMessage;
    try {
      msg = decodeMessage(data);
    } catch (err) {
      this.reject(conn, 'INVALID_PAYLOAD', `malformed message: ${(err as Error).message}`);
      return this.closeInvalid(conn);
    }
    switch (msg.type) {
      case 'syncStep1':
        // Each answer is an encoded state (a re-encode, unless the joiner has nothing): rationed.
        if (!conn.budget.takeStateRequest()) return this.overLimit(conn, 'state_requests');
        this.enqueueFrom(conn, data.byteLength, async () => {
          await this.commits.flush(); // never serve state that is not yet durable
          if (!conn.socket.isOpen) return; // nobody to answer: spare the encoding
          // Now, or once its answer under way has gone out (`PacedAnswers`).
          if (!this.paced.ask(conn.socket, msg.stateVector))
            this.reject(conn, 'INVALID_PAYLOAD', 'malformed state vector');
        });
        return;
      case 'syncStep2':
      case 'update':
        this.enqueueFrom(conn, data.byteLength, () => this.handleUpdate(conn, msg.update, msg.type === 'syncStep2'));
        return;
      case 'awareness':
        this.handleAwareness(conn, msg.update);
        return;
      case 'queryAwareness': {
        // Stock clients never ask; answering encodes every state.
        if (!conn.budget.takeStateRequest()) return this.overLimit(conn, 'state_requests');
        const states = this.presence.allStatesMessage();
        if (states) conn.send(states);
        return;
      }
      case 'auth':
        return;
    }
  }

  /**
   * A client's update (`answer`: a sync step 2), screened (`screenUpdate`), then applied with the
   * schema enforced (`applyClientUpdate`). A sender whose entries were removed or repaired is told,
   * and receives the removal and the repair.
   */
  private async handleUpdate(conn: Connection, update: Uint8Array, answer: boolean): Promise<void> {
    // No check that the connection is still open: an update that reached the server before its
    // socket closed (a laptop lid shut mid-edit) is applied with the session checked at connect.
    // Applied now, answered (and relayed) once durable, in order with the changes before it.
    if (this.commits.waiting >= MAX_BATCH) await this.commits.flush();
    const screening = screenUpdate(this.doc, this.kind, update, conn.session.access === 'write');
    switch (screening.type) {
      case 'ignore':
        if (answer) this.afterDurable(() => conn.gaps.answered(false));
        return;
      case 'forbidden':
        return this.afterDurable(() =>
          this.reject(conn, 'FORBIDDEN', `${conn.session.user.name} may not change ${this.name}`),
        );
      case 'malformed':
        this.reject(conn, 'INVALID_PAYLOAD', screening.message);
        return this.closeInvalid(conn);
    }
    const { sessionId, user } = conn.session;
    const origin: ChangeOrigin = { source: 'session', sessionId, userId: user.id };
    let applied: Readonly<AppliedUpdate> = NOT_APPLIED;
    const exact = !answer && screening.problems.length === 0;
    this.commitExact(
      { sessionId, userId: user.id },
      conn,
      (encode) => {
        // A sync step 2 carries the sender's whole delete set, a screened update was rewritten:
        // the log and the other clients get only what the transaction changed.
        if (!exact) encode();
        applied = applyClientUpdate(this.doc, this.kind, screening.update, origin, this.scope, encode);
        return exact && applied.whole ? screening.update : null;
      },
      () => applied.problems.length > 0,
      () => this.answerUpdate(conn, screening.removed, screening.problems, applied, answer),
    );
  }

  /**
   * Tell the sender of an update what became of it (once it is durable): the first refused entry
   * (the screening's `screened`, then the schema repair's) as a sentence (stock clients show
   * nothing else), and what the schema found as structure.
   */
  private answerUpdate(
    conn: Connection,
    removed: Uint8Array | null | undefined,
    screened: readonly string[],
    applied: Readonly<AppliedUpdate>,
    answer: boolean,
  ): void {
    if (removed) send(conn, encodeUpdate(removed));
    const problems = screened.length + applied.problems.length;
    if (problems > 0) {
      const first = screened.length > 0 ? screened[0] : applied.problems[0];
      const more = problems > 1 ? ` (and ${problems - 1} more)` : '';
      this.reject(conn, 'INVALID_PAYLOAD', `${first}${more}`, applied.issues.slice(0, MAX_REJECTED_ISSUES));
    }
    if (applied.malformed !== null) {
      this.reject(conn, 'INVALID_PAYLOAD', `malformed update: ${applied.malformed}`);
      return this.closeInvalid(conn);
    }
    if (answer) conn.gaps.answered(applied.gapped);
    if (applied.gapped) this.onGap(conn);
  }

  /** Part of an update depended on changes never received (and was dropped): ask for them (`GapTracker`). */
  private onGap(conn: Connection): void {
    const action = conn.gaps.gapped();
    if (action === 'ask') send(conn, encodeSyncStep1(Y.encodeStateVector(this.doc)));
    if (action === 'refuse') this.reject(conn, 'INVALID_PAYLOAD', GAP_REFUSAL);
  }

  /**
   * Presence is applied at once, not queued behind the document's writes: it is small and bounded
   * per connection (client ids, size of a state, bytes a second; see `RoomPresence.receive`), read
   * access included (a viewer is shown as present too).
   */
  private handleAwareness(conn: Connection, update: Uint8Array): void {
    let refused: number;
    try {
      refused = this.presence.receive(conn, update);
    } catch (err) {
      this.reject(conn, 'INVALID_PAYLOAD', `malformed awareness update: ${(err as Error).message}`);
      return;
    }
    if (refused === 0) return;
    // Ignored, not closed: a browser's tabs relay each other's presence (BroadcastChannel), and
    // the connection's documents must keep working. Each limit is told once per connection.
    if (refused & PresenceRefusal.clients) this.presenceLimited(conn, PresenceRefusal.clients);
    if (refused & PresenceRefusal.size) this.presenceLimited(conn, PresenceRefusal.size);
    if (refused & PresenceRefusal.rate) this.presenceLimited(conn, PresenceRefusal.rate);
  }

  private presenceLimited(conn: Connection, refusal: PresenceRefusalBit): void {
    const { limit, code, message } = presenceLimitOf(conn, refusal);
    conn.onLimited(limit);
    if (conn.toldPresence & refusal) return;
    conn.toldPresence |= refusal;
    this.reject(conn, code, message);
  }

  /** Queue a connection's message, or close the connection when it already has too much waiting. */
  private enqueueFrom(conn: Connection, bytes: number, task: () => Promise<unknown>): void {
    if (!this.queue.pushCounted(conn.budget, bytes, task)) this.overLimit(conn, 'queue');
  }

  /**
   * Close a connection that asks too much too fast. What it queued before still runs; what it
   * sent since is lost to this connection only: the client reconnects (4529 is not final for
   * stock clients) and the sync handshake sends again whatever the server lacks.
   */
  private overLimit(conn: Connection, limit: 'queue' | 'state_requests'): void {
    conn.onLimited(limit);
    this.reject(conn, 'RATE_LIMITED', overLimitMessage(conn, limit));
    conn.socket.close(SyncCloseCode.rateLimited, 'RATE_LIMITED');
    this.disconnect(conn);
  }

  /** Release a room that never opened (its load failed): nothing to snapshot, nobody connected. */
  private discard(): void {
    this.destroyed = true;
    this.presence.destroy();
    this.doc.destroy();
  }

  /** Snapshot if needed and release memory. The manager has already forgotten this room. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await this.idle();
    await this.snapshot();
    for (const c of [...this.conns.values()]) {
      c.socket.close(1001, 'room closed');
      // Its presence goes too, and other instances are told (they would show it for 30 s).
      this.disconnect(c);
    }
    // What arrived while the snapshot was written is in the log before the room is gone.
    await this.idle();
    this.relay?.close();
    this.presence.destroy();
    this.doc.destroy();
  }

  /** Follow the other instances (`lastSeq`: the log was loaded through it); see RoomRelayLink. */
  private linkRelay(relay: RoomRelayLink, lastSeq: number): void {
    this.relay = relay;
    this.presence.onLocalChange = (update) => relay.publishAwareness(update);
    const room: RelayedRoom = {
      run: (task) => this.pushDurable(async () => (this.failed || this.destroyed ? undefined : task())),
      applyRelayed: (update, seq) => {
        Y.applyUpdate(this.doc, update, RELAYED_UPDATE);
        const roots = this.takeTouched();
        this.lastSeq = Math.max(this.lastSeq, seq);
        this.answers.changed();
        const message = encodeUpdate(update);
        for (const c of this.conns.values()) send(c, message);
        this.options.hooks?.onRelayed?.(this.id, roots);
      },
      applyAwareness: (update) => this.presence.applyRelayed(update),
      ownAwareness: () => this.presence.ownStates(),
    };
    relay.attach(room, lastSeq);
  }
}

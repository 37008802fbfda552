import * as Y from 'yjs';
import {
  AppError,
  parseDocName,
  encodeRejection,
  initDoc,
  migrateDoc,
  SyncCloseCode,
  type ChangeOrigin,
  type DocKind,
  type ErrorCode,
} from '@jointmap/shared';
import type { DocStore, UpdateAuthor } from '../storage/types.ts';
import { docFromStored } from '../storage/stored-doc.ts';
import { SerialQueue } from './inbound-queue.ts';
import { StateAnswers } from './state-answers.ts';
import {
  createConnection,
  overLimitMessage,
  sendTo as send,
  type ConnectOptions,
  type Connection,
  type RoomSession,
  type RoomSocket,
} from './room-connection.ts';
import { isStorageFull } from '../storage/storage-full.ts';
import { RoomPresence } from './room-presence.ts';
import { applyClientUpdate, dropPending, GAP_REFUSAL, screenUpdate, type AppliedUpdate } from './update-guard.ts';
import {
  decodeMessage,
  encodePermissionDenied,
  encodeSyncStep1,
  encodeUpdate,
  type InboundMessage,
} from './sync-messages.ts';

export type { ConnectOptions, RoomSession, RoomSocket } from './room-connection.ts';
import type { RoomOptions } from './room-options.ts';

export type { RoomHooks, RoomOptions } from './room-options.ts';

/**
 * One shared document: loads from the update log, authorizes and validates every inbound update,
 * makes it durable, then relays it. All sync work for a room runs through one serial queue, so a
 * joiner never sees state that is not yet durable and relayed updates keep their order.
 */
export class Room {
  private readonly presence: RoomPresence<Connection>;
  private readonly conns = new Map<RoomSocket, Connection>();
  private readonly queue = new SerialQueue((err) => this.fail(err));
  private captured: Uint8Array[] = [];
  private readonly answers: StateAnswers;
  private lastSeq: number;
  private snapshotSeq: number;
  private failed = false;
  private readonly scope: string | undefined;
  destroyed = false;

  private constructor(
    readonly name: string,
    readonly kind: DocKind,
    readonly doc: Y.Doc,
    private readonly store: DocStore,
    private readonly options: RoomOptions,
    loaded: { lastSeq: number; snapshotSeq: number; snapshot: Uint8Array | null },
  ) {
    // `<operationId>/<stationId>`: records in a station document must name that station.
    this.scope = kind === 'station' ? parseDocName(name)?.scope : undefined;
    this.lastSeq = loaded.lastSeq;
    this.snapshotSeq = loaded.snapshotSeq;
    this.answers = new StateAnswers(doc, loaded.lastSeq === loaded.snapshotSeq ? loaded.snapshot : null);
    doc.on('update', (update: Uint8Array) => this.captured.push(update));
    this.presence = new RoomPresence(doc, () => this.conns.values(), options.keepaliveMs ?? 15_000);
  }

  /** Load a room from storage, migrating and stamping the document as needed. */
  static async load(name: string, kind: DocKind, store: DocStore, options: RoomOptions): Promise<Room> {
    const stored = await store.loadDoc(name);
    const doc = docFromStored(stored);
    // Pending content (in a snapshot of an older version) is never served, and gone from the next snapshot.
    const room = new Room(name, kind, doc, store, options, dropPending(doc) ? { ...stored, snapshot: null } : stored);
    const server: ChangeOrigin = { source: 'server' };
    await room.commit({ sessionId: null, userId: null }, null, () => {
      initDoc(doc, server);
      migrateDoc(doc, kind);
    });
    if (room.lastSeq - room.snapshotSeq >= options.snapshotEvery) await room.snapshot();
    return room;
  }

  get connectionCount(): number {
    return this.conns.size;
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
    void this.queue.push(async () => {
      send(conn, encodeSyncStep1(Y.encodeStateVector(this.doc)));
      const states = this.presence.allStatesMessage();
      if (states) send(conn, states);
    });
    return {
      receive: (data) => this.receive(conn, data),
      close: () => this.disconnect(conn),
    };
  }

  /**
   * Write a change as the server (e.g. operation meta on creation, imports). Durable and relayed
   * when the promise resolves.
   */
  serverChange(apply: (doc: Y.Doc) => void, author: UpdateAuthor = { sessionId: null, userId: null }): Promise<void> {
    let durable = false;
    let error: unknown = null;
    return this.queue
      .push(async () => {
        if (this.failed || this.destroyed) return;
        try {
          // `commit` is false both for "nothing changed" and for a failed append; only the latter fails the room.
          durable = (await this.commit(author, null, () => apply(this.doc))) || !this.failed;
        } catch (err) {
          // The caller's own error (e.g. a refused record): the room is fine, the caller is told.
          error = err;
        }
      })
      .then(() => {
        if (error) throw error;
        if (!durable) throw new AppError('STORAGE_UNAVAILABLE', `${this.name} could not be written`);
      });
  }

  /** Resolves once every queued message has been handled. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private receive(conn: Connection, data: Uint8Array): void {
    if (!this.conns.has(conn.socket)) return;
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
          if (!conn.socket.isOpen) return; // nobody to answer: spare the encoding
          let reply: Uint8Array;
          try {
            reply = this.answers.answer(msg.stateVector);
          } catch {
            return this.reject(conn, 'INVALID_PAYLOAD', 'malformed state vector');
          }
          send(conn, reply);
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
        if (states) send(conn, states);
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
    const screening = screenUpdate(this.doc, this.kind, update, conn.session.access === 'write');
    switch (screening.type) {
      case 'ignore':
        if (answer) conn.gaps.answered(false);
        return;
      case 'forbidden':
        return this.reject(conn, 'FORBIDDEN', `${conn.session.user.name} may not change ${this.name}`);
      case 'malformed':
        this.reject(conn, 'INVALID_PAYLOAD', screening.message);
        return this.closeInvalid(conn);
    }
    const { sessionId, user } = conn.session;
    const origin: ChangeOrigin = { source: 'session', sessionId, userId: user.id };
    let applied: AppliedUpdate = { problems: [], malformed: null, gapped: false };
    await this.commit(
      { sessionId, userId: user.id },
      conn,
      () => (applied = applyClientUpdate(this.doc, this.kind, screening.update, origin, this.scope)),
      () => applied.problems.length > 0,
    );
    if (screening.removed) send(conn, encodeUpdate(screening.removed));
    const problems = [...screening.problems, ...applied.problems];
    if (problems.length) {
      const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
      this.reject(conn, 'INVALID_PAYLOAD', `${problems[0]}${more}`);
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

  private closeInvalid(conn: Connection): void {
    conn.socket.close(SyncCloseCode.invalid, 'INVALID_PAYLOAD');
    this.disconnect(conn);
  }

  /**
   * Apply a change in memory, append what actually changed to the log, then relay it. If the
   * append fails the in-memory document is ahead of storage: the room fails, closing every
   * connection, so clients resync against a freshly loaded copy and resend what was lost.
   */
  private async commit(
    author: UpdateAuthor,
    sender: Connection | null,
    apply: () => void,
    echoToSender: () => boolean = () => false,
  ): Promise<boolean> {
    if (this.failed) return false;
    this.captured = [];
    apply();
    const parts = this.captured;
    this.captured = [];
    if (parts.length === 0) return false;
    const effective = parts.length === 1 ? parts[0]! : Y.mergeUpdates(parts);
    this.answers.changed();
    try {
      this.lastSeq = await this.store.appendUpdate(this.name, effective, author);
    } catch (err) {
      this.fail(err);
      return false;
    }
    const message = encodeUpdate(effective);
    const skip = echoToSender() ? null : sender;
    let recipients = 0;
    for (const c of this.conns.values()) {
      if (c === skip) continue;
      send(c, message);
      recipients++;
    }
    this.options.hooks?.onCommitted?.(this.name, effective.byteLength, recipients);
    if (this.lastSeq - this.snapshotSeq >= this.options.snapshotEvery) await this.snapshot();
    return true;
  }

  /** Write a snapshot of the current state (covers every update up to `lastSeq`). */
  async snapshot(): Promise<void> {
    if (this.lastSeq <= this.snapshotSeq || this.failed) return;
    const seq = this.lastSeq;
    const state = Y.encodeStateAsUpdate(this.doc);
    try {
      await this.store.saveSnapshot(this.name, seq, state);
      this.snapshotSeq = seq;
      if (seq === this.lastSeq) this.answers.snapshotted(state);
    } catch (err) {
      // A missing snapshot only slows the next load; the log still has everything.
      this.options.hooks?.onFailed?.(this.name, err);
    }
  }

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
    // the connection's documents must keep working. Told once per connection.
    conn.onLimited('awareness_clients');
    if (conn.toldAwarenessLimit) return;
    conn.toldAwarenessLimit = true;
    this.reject(
      conn,
      'RATE_LIMITED',
      `at most ${conn.maxClients} presence client ids per connection; further ones are ignored`,
    );
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

  private reject(conn: Connection, code: ErrorCode, message: string): void {
    send(conn, encodePermissionDenied(encodeRejection({ code, message, doc: this.name })));
    this.options.hooks?.onRejected?.(this.name, conn.session, code, message);
  }

  private disconnect(conn: Connection): void {
    if (!this.conns.delete(conn.socket)) return;
    this.presence.leave(conn);
    this.onEmpty?.();
  }

  /** Set by the room manager: called when a connection leaves. */
  onEmpty: (() => void) | null = null;

  private fail(error: unknown): void {
    this.failed = true;
    const code = isStorageFull(error) ? 'STORAGE_FULL' : 'STORAGE_UNAVAILABLE';
    this.presence.stop();
    this.options.hooks?.onFailed?.(this.name, error);
    for (const c of [...this.conns.values()]) {
      send(
        c,
        encodePermissionDenied(
          encodeRejection({
            code,
            message:
              code === 'STORAGE_FULL' ? 'the disk is full: the edit was not stored' : 'storage failed; reconnecting',
            doc: this.name,
          }),
        ),
      );
      c.socket.close(SyncCloseCode.unavailable, code);
      this.disconnect(c);
    }
  }

  get isFailed(): boolean {
    return this.failed;
  }

  /** Snapshot if needed and release memory. The manager has already forgotten this room. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await this.queue.idle();
    await this.snapshot();
    for (const c of [...this.conns.values()]) {
      c.socket.close(1001, 'room closed');
      this.conns.delete(c.socket);
    }
    this.presence.destroy();
    this.doc.destroy();
  }
}

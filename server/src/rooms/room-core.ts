import * as Y from 'yjs';
import {
  parseDocName,
  SyncCloseCode,
  encodeRejection,
  type DocKind,
  type ErrorCode,
  type NamedDoc,
  type ValidationIssue,
} from '@jointmap/shared';
import type { DocStore, UpdateAuthor } from '../storage/types.ts';
import { isStorageFull } from '../storage/storage-full.ts';
import { SerialQueue } from './inbound-queue.ts';
import { GroupCommit } from './group-commit.ts';
import { StateAnswers } from './state-answers.ts';
import { sendTo as send, storageFailedMessage, type Connection, type RoomSocket } from './room-connection.ts';
import { RoomPresence } from './room-presence.ts';
import { encodePermissionDenied, encodeUpdate } from './sync-messages.ts';
import type { RoomOptions } from './room-options.ts';
import type { RoomRelayLink } from './room-relay.ts';

/**
 * The state of one room and its write path: the connections, the serial queue, and the commit
 * of changes (applied in memory, appended with the others of their tick, then relayed; see
 * GroupCommit). `Room` adds the sync protocol on top.
 */
export abstract class RoomCore {
  protected readonly presence: RoomPresence<Connection>;
  protected readonly conns = new Map<RoomSocket, Connection>();
  protected readonly queue = new SerialQueue((err) => this.fail(err));
  /** Changes applied in memory, waiting to be appended together (see GroupCommit). */
  protected readonly commits: GroupCommit;
  /** A snapshot is queued. */
  protected snapshotQueued = false;
  /** Updates Yjs encoded for the transactions of the change being committed (see `commitExact`). */
  private captured: Uint8Array[] = [];
  /** Names of the top-level types the transactions since the last take changed (see `takeTouched`). */
  private touched = new Set<string>();
  protected readonly answers: StateAnswers;
  protected lastSeq: number;
  protected snapshotSeq: number;
  protected failed = false;
  protected readonly scope: string | undefined;
  /** The document's name, parsed once (the hooks get it with every commit). */
  readonly id: NamedDoc;
  /** Link to the other instances holding this document (none: one instance). */
  protected relay: RoomRelayLink | null = null;
  destroyed = false;

  protected constructor(
    readonly name: string,
    readonly kind: DocKind,
    readonly doc: Y.Doc,
    protected readonly store: DocStore,
    protected readonly options: RoomOptions,
    loaded: { lastSeq: number; snapshotSeq: number; snapshot: Uint8Array | null },
  ) {
    const parsed = parseDocName(name);
    if (!parsed) throw new Error(`not a document name: ${name}`);
    this.id = { ...parsed, name };
    // `<operationId>/<stationId>`: records in a station document must name that station.
    this.scope = kind === 'station' ? parsed.scope : undefined;
    this.lastSeq = loaded.lastSeq;
    this.snapshotSeq = loaded.snapshotSeq;
    this.answers = new StateAnswers(doc, loaded.lastSeq === loaded.snapshotSeq ? loaded.snapshot : null);
    doc.on('afterTransaction', (tr: Y.Transaction) => {
      for (const type of tr.changed.keys()) {
        const root = rootNameOf(doc, type);
        if (root) this.touched.add(root);
      }
    });
    this.presence = new RoomPresence(
      doc,
      () => this.conns.values(),
      options.awarenessTickMs ?? 0,
      options.awarenessRenewalMs ?? 0,
    );
    this.commits = new GroupCommit(name, store, options.commitTickMs ?? 0, (err) => this.fail(err));
  }

  get connectionCount(): number {
    return this.conns.size;
  }

  /** Some connection was admitted with write access. */
  get hasWriters(): boolean {
    for (const c of this.conns.values()) if (c.session.access === 'write') return true;
    return false;
  }

  /** Resolves once every queued message has been handled (and what it changed is durable and relayed). */
  async idle(): Promise<void> {
    for (;;) {
      const tail = this.queue.idle();
      await tail;
      await this.commits.flush();
      if (this.queue.idle() === tail && this.commits.empty) return;
    }
  }

  /** Queue a task that reads or serves the document: it runs once every change before it is durable. */
  protected pushDurable(task: () => Promise<unknown>): void {
    void this.queue.push(async () => {
      await this.commits.flush();
      return task();
    });
  }

  protected closeInvalid(conn: Connection): void {
    conn.socket.close(SyncCloseCode.invalid, 'INVALID_PAYLOAD');
    this.disconnect(conn);
  }

  /**
   * Apply a change in memory, append what actually changed to the log, then relay it. If the
   * append fails the in-memory document is ahead of storage: the room fails, closing every
   * connection, so clients resync against a freshly loaded copy and resend what was lost.
   */
  protected commit(
    author: UpdateAuthor,
    sender: Connection | null,
    apply: () => void,
    echoToSender?: () => boolean,
    after?: () => void,
  ): void {
    this.commitExact(
      author,
      sender,
      (encode) => {
        encode();
        apply();
        return null;
      },
      echoToSender,
      after,
    );
  }

  /**
   * `commit` for a change that may know its own bytes: `apply` returns the update it applied when
   * that is exactly what changed (a client's update applied whole), or calls `encode` before the
   * end of its transaction to have Yjs encode what the transaction changed. Yjs encodes an
   * update for every transaction while anybody listens for one; the room listens only when asked,
   * so a client's update is stored and relayed as it came.
   */
  protected commitExact(
    author: UpdateAuthor,
    sender: Connection | null,
    apply: (encode: () => void) => Uint8Array | null,
    echoToSender: () => boolean = () => false,
    after: () => void = () => undefined,
  ): void {
    if (this.failed) return;
    let listening = false;
    let exact: Uint8Array | null = null;
    let failure: { error: unknown } | null = null;
    try {
      exact = apply(() => {
        if (listening) return;
        listening = true;
        this.doc.on('update', this.capture);
      });
    } catch (error) {
      // What changed before the throw stays in the document (Yjs does not roll back): it is
      // appended and relayed like any change, so the document never holds what the log lacks.
      failure = { error };
    } finally {
      if (listening) this.doc.off('update', this.capture);
    }
    const captured = this.takeCaptured();
    const effective = exact ?? captured;
    const roots = this.takeTouched();
    if (failure) {
      if (effective) this.commitUpdate(effective, roots, author, sender, echoToSender, () => undefined);
      throw failure.error;
    }
    if (effective === null) return this.afterDurable(after);
    this.commitUpdate(effective, roots, author, sender, echoToSender, after);
  }

  /** What Yjs encoded for the change as one update (null: nothing), and start a new list. */
  private takeCaptured(): Uint8Array | null {
    const parts = this.captured;
    if (parts.length === 0) return null;
    this.captured = [];
    return parts.length === 1 ? parts[0]! : Y.mergeUpdates(parts);
  }

  private commitUpdate(
    effective: Uint8Array,
    roots: ReadonlySet<string>,
    author: UpdateAuthor,
    sender: Connection | null,
    echoToSender: () => boolean,
    after: () => void,
  ): void {
    this.answers.changed();
    // Appended with the other changes of this tick (GroupCommit), relayed only once durable.
    this.commits.add({
      update: effective,
      author,
      durable: (seq) => {
        this.lastSeq = seq;
        this.relay?.committed(seq, effective);
        const message = encodeUpdate(effective);
        const skip = echoToSender() ? null : sender;
        let recipients = 0;
        for (const c of this.conns.values()) {
          if (c === skip) continue;
          send(c, message);
          recipients++;
        }
        this.options.hooks?.onCommitted?.(this.id, effective.byteLength, recipients, roots);
        after();
        if (this.lastSeq - this.snapshotSeq >= this.options.snapshotEvery && !this.snapshotQueued) {
          this.snapshotQueued = true;
          this.pushDurable(async () => {
            this.snapshotQueued = false;
            await this.snapshot();
          });
        }
      },
    });
  }

  private readonly capture = (update: Uint8Array) => void this.captured.push(update);

  /** The top-level types changed since the last take (and start a new set). */
  protected takeTouched(): ReadonlySet<string> {
    const roots = this.touched;
    this.touched = new Set();
    return roots;
  }

  /** Run `step` once every change applied before it is durable (now, when none waits). */
  protected afterDurable(step: () => void): void {
    if (this.commits.empty) step();
    else this.commits.add({ update: null, author: { sessionId: null, userId: null }, durable: step });
  }

  /** Write a snapshot of the current state (covers every update up to `lastSeq`). */
  async snapshot(): Promise<void> {
    await this.commits.flush();
    // Changes applied meanwhile are not durable yet: the state must not hold them (next time).
    if (this.lastSeq <= this.snapshotSeq || this.failed || !this.commits.empty) return;
    const seq = this.lastSeq;
    const state = Y.encodeStateAsUpdate(this.doc);
    try {
      await this.store.saveSnapshot(this.name, seq, state);
      this.snapshotSeq = seq;
      if (seq === this.lastSeq) this.answers.snapshotted(state);
      this.options.hooks?.onSnapshot?.(this.name, seq, state);
    } catch (err) {
      // A missing snapshot only slows the next load; the log still has everything.
      this.options.hooks?.onFailed?.(this.name, err);
    }
  }

  /** Tell `conn` what was refused; `issues`: the schema's findings, on a refusal of entries. */
  protected reject(conn: Connection, code: ErrorCode, message: string, issues?: ValidationIssue[]): void {
    send(conn, encodePermissionDenied(encodeRejection({ code, message, doc: this.name, ...(issues && { issues }) })));
    this.options.hooks?.onRejected?.(this.name, conn.session, code, message);
  }

  protected disconnect(conn: Connection): void {
    if (!this.conns.delete(conn.socket)) return;
    this.presence.leave(conn);
    this.onEmpty?.();
  }

  /** Set by the room manager: called when a connection leaves. */
  onEmpty: (() => void) | null = null;

  protected fail(error: unknown): void {
    this.failed = true;
    const code = isStorageFull(error) ? 'STORAGE_FULL' : 'STORAGE_UNAVAILABLE';
    this.presence.stop();
    this.options.hooks?.onFailed?.(this.name, error);
    const message = storageFailedMessage(code, this.name);
    for (const c of [...this.conns.values()]) {
      send(c, message);
      c.socket.close(SyncCloseCode.unavailable, code);
      this.disconnect(c);
    }
  }

  get isFailed(): boolean {
    return this.failed;
  }
}

/** The name of a top-level shared type of `doc` (null for a nested one). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Yjs types its own events as YEvent<any>
function rootNameOf(doc: Y.Doc, type: Y.AbstractType<Y.YEvent<any>>): string | null {
  if (type._item !== null) return null;
  for (const [name, t] of doc.share) if (t === type) return name;
  return null;
}

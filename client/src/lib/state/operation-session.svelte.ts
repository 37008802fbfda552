import { createSubscriber } from 'svelte/reactivity';
import {
  AppError,
  docAccess,
  META_OPERATION_KEY,
  SyncCloseCode,
  type Annotation,
  type Change,
  type ChangeOrigin,
  type OperationMeta,
  type PresenceState,
  type SyncRejection,
} from '@jointmap/shared';
import { DocSync } from '../sync/doc-sync.ts';
import { LivePositions } from '../live/live-positions.svelte.ts';
import type { OperationData } from './operation-data.ts';
import type { SessionUser } from './session.svelte.ts';
import { endReasonOf, type EndReason } from './end-reason.ts';
import { SessionUndo, type UndoDirection } from './session-undo.svelte.ts';
import { followClock } from './server-clock.ts';
import { OperationReader } from './operation-reader.svelte.ts';

export type ConnectionState = 'connecting' | 'online' | 'reconnecting' | 'offline';

export interface PresenceEntry {
  clientId: number;
  user: PresenceState['user'];
  pointer: [number, number] | null;
  isMe: boolean;
}

/**
 * Everything the console and the wall need of one open operation: a DocSync per document, the
 * annotation index and records (`OperationReader`), presence, connection state, writes and undo.
 * Created when a page opens the operation, destroyed when it leaves.
 */
export class OperationSession extends OperationReader<DocSync> {
  readonly origin: ChangeOrigin & { source: 'session' };
  /** Live unit positions (socket.io), separate from the documents. */
  readonly live: LivePositions;
  /** This session's own drawing changes, for undo and redo. */
  private readonly history: SessionUndo;
  private readonly subscribeDocs: () => void;
  private readonly subscribePresence: () => void;
  private browserOnline = navigator.onLine;
  private readonly cleanup: Array<() => void> = [];
  private token: string;
  /** The operation was closed (its meta says so): everything is read-only from then on. */
  closed = $state(false);

  constructor(
    data: OperationData,
    user: SessionUser,
    token: string,
    options: { wsBase?: string; persist?: boolean } = {},
  ) {
    const view = data.view;
    const wsBase = options.wsBase ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
    const openDoc = (scope: string) =>
      new DocSync({
        wsBase,
        operationId: view.id,
        scope,
        token,
        userId: user.id,
        access: docAccess(user, view.stations, scope, view.status),
        persist: options.persist,
      });
    super(data, user, openDoc, 'per-frame');
    this.token = token;
    this.origin = { source: 'session', sessionId: crypto.randomUUID(), userId: user.id };
    this.history = new SessionUndo(this.origin, (scope) => (this.canWrite(scope) ? this.doc(scope)! : null));
    this.cleanup.push(() => this.history.destroy());
    // Closed while open here: the server re-admits every connection read-only; the UI follows at once.
    const meta = this.commandDoc.doc.getMap<OperationMeta>('meta');
    const readMeta = () => {
      this.closed = view.status === 'closed' || meta.get(META_OPERATION_KEY)?.status === 'closed';
      if (this.closed) this.history.clear();
    };
    meta.observe(readMeta);
    readMeta();
    this.cleanup.push(() => meta.unobserve(readMeta));
    this.subscribeDocs = createSubscriber((update) => {
      const offs = this.docs.map((d) => d.subscribe(update));
      const net = () => {
        this.browserOnline = navigator.onLine;
        update();
      };
      window.addEventListener('online', net);
      window.addEventListener('offline', net);
      return () => {
        offs.forEach((off) => off());
        window.removeEventListener('online', net);
        window.removeEventListener('offline', net);
      };
    });
    this.subscribePresence = createSubscriber((update) => {
      const awareness = this.commandDoc.provider.awareness;
      awareness.on('change', update);
      return () => awareness.off('change', update);
    });
    this.commandDoc.provider.awareness.setLocalState({ pointer: null });
    this.live = new LivePositions(view.id, token, {
      url: wsBase.replace(/^ws/, 'http'),
      getJson: async <T>(path: string): Promise<T> => {
        const res = await fetch(path, { headers: { authorization: `Bearer ${this.token}` } });
        if (!res.ok) throw new Error(`${path}: ${res.status}`);
        return (await res.json()) as T;
      },
    });
    this.cleanup.push(followClock(this.live));
  }

  /** Scopes this user may write (the UI offers drawing only there). */
  get writableScopes(): string[] {
    return this.closed ? [] : this.docs.filter((d) => d.access === 'write').map((d) => d.scope);
  }

  canWrite(scope: string): boolean {
    return !this.closed && this.doc(scope)?.access === 'write';
  }

  // ---- connection -------------------------------------------------------------------------

  get connection(): ConnectionState {
    this.subscribeDocs();
    if (this.docs.every((d) => d.synced)) return 'online';
    // A document the server closed for good is not reconnecting: it stays out of sync (`closedDocs`).
    if (!this.browserOnline || this.docs.some((d) => d.terminal)) return 'offline';
    if (!this.docs.some((d) => d.everSynced))
      return this.docs.some((d) => d.failedAttempts >= 3) ? 'offline' : 'connecting';
    if (!this.docs.some((d) => d.connected) && this.docs.every((d) => d.failedAttempts >= 2)) return 'offline';
    return 'reconnecting';
  }

  /** Local changes made while the link was down, not yet sent to the server. */
  get pending(): number {
    this.subscribeDocs();
    return this.docs.reduce((n, d) => n + d.pending, 0);
  }

  /** Unconfirmed edits this browser could not store (`DocSync.unstored`): lost if the page goes. */
  get unstored(): number {
    this.subscribeDocs();
    return this.docs.reduce((n, d) => n + d.unstored, 0);
  }

  get rejections(): SyncRejection[] {
    this.subscribeDocs();
    return this.docs.flatMap((d) => d.rejections);
  }

  /** Local edits the server refused (e.g. made offline while the operation was closed), not yet acknowledged. */
  get refused(): number {
    this.subscribeDocs();
    return this.docs.reduce((n, d) => n + d.refused, 0);
  }

  /** The documents holding refused edits (their names, as in `SyncRejection.doc`). */
  get refusedDocs(): string[] {
    this.subscribeDocs();
    return this.docs.filter((d) => d.refused > 0).map((d) => d.name);
  }

  /** The drawings of the documents with refused edits that the server does not have, as GeoJSON. */
  refusedDrawings(): GeoJSON.FeatureCollection {
    const features = this.docs.filter((d) => d.refused > 0).flatMap((d) => d.unsentDrawings());
    return { type: 'FeatureCollection', features };
  }

  /**
   * The user acknowledged the refused edits: the local copies holding them are dropped, so that
   * the operation opened again shows what the server (everybody else) has.
   */
  async discardRefused(): Promise<void> {
    await Promise.all(this.docs.filter((d) => d.refused > 0).map((d) => d.dropLocalCopy()));
  }

  /**
   * The server ended the session (token refused by sync or by the live channel): the page should
   * sign in again.
   */
  get terminated(): boolean {
    this.subscribeDocs();
    return this.docs.some((d) => d.terminal?.code === SyncCloseCode.unauthenticated) || this.live.signedOut;
  }

  /** Why the server ended the session: the token `expired`, or the session `ended` (signed out, account changed). */
  get terminatedBecause(): EndReason | null {
    if (!this.terminated) return null;
    const codes = [
      ...this.docs.filter((d) => d.terminal?.code === SyncCloseCode.unauthenticated).map((d) => d.terminal!.reason),
      ...(this.live.signedOut ? [this.live.error?.code] : []),
    ];
    return endReasonOf(...codes);
  }

  /**
   * The error code (`OPERATION_PURGED`, `NOT_FOUND`, `FORBIDDEN`) with which the server refused the
   * operation itself for good: its command document was closed not to be reopened (purged after its
   * archive, or no longer visible to this user). Null while it is served or only unreachable.
   */
  get refusedBecause(): string | null {
    this.subscribeDocs();
    const close = this.commandDoc.terminal;
    if (close?.code === SyncCloseCode.notFound) return close.reason || 'NOT_FOUND';
    return close?.code === SyncCloseCode.forbidden ? close.reason || 'FORBIDDEN' : null;
  }

  /**
   * The documents the server closed for good (no access, gone, or it would not take what was
   * sent), with the error code it gave: they no longer sync until the page is loaded again. The
   * session's own end (a refused token) is `terminated`; the command document's refusal, `refusedBecause`.
   */
  get closedDocs(): Array<{ scope: string; reason: string }> {
    this.subscribeDocs();
    return this.docs.flatMap(({ scope, terminal: t }) =>
      t && t.code !== SyncCloseCode.unauthenticated ? [{ scope, reason: t.reason || `close ${t.code}` }] : [],
    );
  }

  /** A renewed token: every later reconnect (documents and live positions) and REST call uses it. */
  setToken(token: string): void {
    if (token === this.token) return;
    this.token = token;
    for (const d of this.docs) d.setToken(token);
    this.live.setToken(token);
  }

  // ---- writes and undo ----------------------------------------------------------------------

  /**
   * Write a change through `applyChange` with this session's origin; a change to drawings becomes
   * one undo step. Throws AppError when the change would be refused, so nothing invalid is ever sent.
   */
  write(scope: string, change: Change): void {
    const d = this.doc(scope);
    if (!d || d.access !== 'write' || this.closed) throw new AppError('FORBIDDEN', `no write access to ${scope}`);
    this.history.write(d, change);
  }

  putAnnotation(scope: string, a: Annotation): void {
    this.write(scope, { type: 'put', map: 'annotations', key: a.id, value: a });
  }

  deleteAnnotation(scope: string, id: string): void {
    this.write(scope, { type: 'delete', map: 'annotations', key: id });
  }

  /** Undo and redo only while the scope of the step is still writable: never once the operation is closed. */
  get canUndo(): boolean {
    return this.history.canUndo;
  }

  get canRedo(): boolean {
    return this.history.canRedo;
  }

  /**
   * Whether the last undo or redo was skipped, for a few seconds: its drawing was changed or deleted
   * by someone else since this session's edit, so it was dropped rather than applied.
   */
  get undoSkipped(): UndoDirection | null {
    return this.history.skipped;
  }

  undo(): void {
    this.history.undo();
  }

  redo(): void {
    this.history.redo();
  }

  // ---- presence -----------------------------------------------------------------------------

  /** Everyone connected to the operation (one entry per browser tab), from command awareness. */
  get presence(): PresenceEntry[] {
    this.subscribePresence();
    const awareness = this.commandDoc.provider.awareness;
    const out: PresenceEntry[] = [];
    for (const [clientId, state] of awareness.getStates()) {
      const s = state as Partial<PresenceState> | null;
      const isMe = clientId === awareness.clientID;
      // Our own entry is who we signed in as, never what a state relayed for our id says.
      const user = isMe
        ? { id: this.user.id, name: this.user.name, role: this.user.role, stationId: this.user.stationId }
        : (s?.user ?? null);
      if (!user) continue;
      out.push({ clientId, user, pointer: Array.isArray(s?.pointer) ? (s.pointer as [number, number]) : null, isMe });
    }
    return out;
  }

  setPointer(pointer: [number, number] | null): void {
    this.commandDoc.provider.awareness.setLocalStateField('pointer', pointer);
  }

  destroy(): void {
    this.live.destroy();
    for (const c of this.cleanup.splice(0)) c();
    this.annotations.destroy();
    for (const d of this.docs) d.destroy();
  }
}

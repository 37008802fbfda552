import * as Y from 'yjs';
import { IndexeddbPersistence } from 'y-indexeddb';
import * as authProtocol from 'y-protocols/auth';
import { WebsocketProvider } from 'y-websocket';
import { decodeRejection, docName, type Access, type DocKind, type SyncRejection } from '@jointmap/shared';

/** y-websocket message type of auth ("permission denied") messages. */
const MESSAGE_AUTH = 2;

export interface DocSyncOptions {
  /** `ws://host` of our server. */
  wsBase: string;
  operationId: string;
  /** `command` or a station id. */
  scope: string;
  token: string;
  userId: string;
  access: Access;
  /** Keep the document in IndexedDB (offline work); off for throwaway peers. */
  persist?: boolean;
}

/**
 * One document of an operation: a Y.Doc kept in IndexedDB and synced with the stock y-websocket
 * provider. Counts local changes made while the link is down ("not yet sent") and records the
 * server's coded rejections. Plain TypeScript; UI state wraps it with `createSubscriber`.
 */
export class DocSync {
  readonly doc = new Y.Doc();
  readonly provider: WebsocketProvider;
  readonly persistence: IndexeddbPersistence | null;
  readonly name: string;
  readonly scope: string;
  readonly kind: DocKind;
  readonly access: Access;
  /** Set when the server closed the link for good (e.g. token no longer valid). */
  terminal: { code: number; reason: string } | null = null;
  rejections: SyncRejection[] = [];
  everSynced = false;
  pending: number;
  private readonly listeners = new Set<() => void>();
  private readonly pendingKey: string;

  constructor(opts: DocSyncOptions) {
    this.scope = opts.scope;
    this.kind = opts.scope === 'command' ? 'command' : 'station';
    this.access = opts.access;
    this.name = docName(opts.operationId, opts.scope);
    this.pendingKey = `jointmap.pending.${opts.userId}.${this.name}`;
    this.pending = Number(safeGet(this.pendingKey) ?? 0) || 0;
    this.persistence =
      opts.persist === false ? null : new IndexeddbPersistence(`jointmap:${opts.userId}:${this.name}`, this.doc);
    if (this.persistence) this.batchRemoteWrites(this.persistence);
    this.provider = new WebsocketProvider(`${opts.wsBase}/sync`, this.name, this.doc, {
      params: { token: opts.token },
      maxBackoffTime: 2500,
    });
    // Presence is published on the command document only; elsewhere we stay invisible.
    if (this.kind !== 'command') this.provider.awareness.setLocalState(null);
    this.provider.messageHandlers[MESSAGE_AUTH] = (_encoder, decoder) => {
      authProtocol.readAuthMessage(decoder, this.doc, (_doc, reason) => {
        const r = decodeRejection(reason) ?? { code: 'INVALID_PAYLOAD', message: reason, doc: this.name };
        this.rejections = [...this.rejections.slice(-19), r];
        this.emit();
      });
    };
    this.doc.on('update', this.onUpdate);
    this.provider.on('status', this.emit);
    this.provider.on('sync', this.onSync);
    this.provider.on('connection-close', this.emit);
    this.provider.on('connection-error', this.emit);
    this.provider.on('closed', (close: { code: number; reason: string }) => {
      this.terminal = close;
      this.emit();
    });
    this.persistence?.on('synced', this.emit);
  }

  /** Use a renewed token from the next (re)connect on; the open connection stays as it is. */
  setToken(token: string): void {
    this.provider.params = { ...this.provider.params, token };
  }

  get connected(): boolean {
    return this.provider.wsconnected;
  }

  get synced(): boolean {
    return this.provider.wsconnected && this.provider.synced;
  }

  get failedAttempts(): number {
    return this.provider.wsUnsuccessfulReconnects;
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  destroy(): void {
    this.doc.off('update', this.onUpdate);
    this.flushPersistence();
    this.listeners.clear();
    this.provider.destroy();
    void this.persistence?.destroy();
    this.doc.destroy();
  }

  /**
   * y-indexeddb writes every update in its own IndexedDB transaction. Local changes keep that
   * (they must survive a reload at once); updates from the server, which it can always resend,
   * are merged and written at most every 500 ms, so a busy operation costs the page little.
   */
  private batchRemoteWrites(persistence: IndexeddbPersistence): void {
    const store = (persistence as unknown as { _storeUpdate: (u: Uint8Array, origin: unknown) => void })._storeUpdate;
    if (typeof store !== 'function') return;
    let batch: Uint8Array[] = [];
    let timer = 0;
    const flush = () => {
      timer = 0;
      if (batch.length === 0) return;
      const merged = batch.length === 1 ? batch[0]! : Y.mergeUpdates(batch);
      batch = [];
      store(merged, null);
    };
    this.doc.off('update', store);
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === persistence) return;
      if (origin !== this.provider) return store(update, origin);
      batch.push(update);
      if (!timer) timer = window.setTimeout(flush, 500);
    });
    window.addEventListener('pagehide', flush);
    this.flushPersistence = () => {
      clearTimeout(timer);
      flush();
      window.removeEventListener('pagehide', flush);
    };
  }

  private flushPersistence: () => void = () => undefined;

  private readonly emit = (): void => {
    for (const fn of this.listeners) fn();
  };

  private readonly onSync = (synced: boolean): void => {
    if (synced) {
      // Our sync step 2 answered the server's step 1: everything we had is on its way.
      this.everSynced = true;
      this.setPending(0);
    }
    this.emit();
  };

  private readonly onUpdate = (_update: Uint8Array, origin: unknown): void => {
    if (origin === this.provider || origin === this.persistence) return;
    if (!this.synced) {
      this.setPending(this.pending + 1);
      this.emit();
    }
  };

  private setPending(n: number): void {
    if (n === this.pending) return;
    this.pending = n;
    safeSet(this.pendingKey, n ? String(n) : null);
  }
}

function safeGet(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function safeSet(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // only the badge count is lost
  }
}

import * as Y from 'yjs';
import * as authProtocol from 'y-protocols/auth';
import { messageYjsSyncStep1, messageYjsSyncStep2 } from 'y-protocols/sync';
import { WebsocketProvider } from 'y-websocket';
import { decodeRejection, docName, type Access, type DocKind, type SyncRejection } from '@jointmap/shared';
import { EditLedger } from './edit-ledger.ts';
import { IdbDocStore } from './idb-store.ts';
import { deleteDatabase, localDocName, pendingKey, refusedKey } from './local-copies.ts';
import { refusedDrawings } from './refused-drawings.ts';
import { encodeSyncStep1, readStateVector } from './sync-wire.ts';

/** y-websocket message types of sync and of auth ("permission denied") messages. */
const MESSAGE_SYNC = 0;
const MESSAGE_AUTH = 2;
/**
 * The server sends something at least every 2 s (a keepalive while idle): a socket silent for
 * this long is dead (a cut cable does not close it), so it is dropped and opened again.
 * y-websocket's own check waits 30 s and cannot be configured.
 */
export const SILENT_LINK_MS = 6_000;
/** A socket still opening after this long (the network swallows the handshake) is tried again. */
export const OPENING_TIMEOUT_MS = 10_000;
/** A probe (sync step 1) confirming local edits goes out this long after the edit… */
const PROBE_DELAY_MS = 150;
/** …but at most one every this often: the server rations state requests (20 a minute by default). */
const PROBE_GAP_MS = 4_000;
/** The link opens once the stored copy has loaded, or after this long if storage does not answer. */
const STORED_COPY_WAIT_MS = 5_000;

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

/** The tabs of one browser say on it which local copy was dropped (see `dropLocalCopy`). */
const DROPPED_CHANNEL = 'jointmap.dropped';

/**
 * One document of an operation: a Y.Doc kept in IndexedDB and synced with the stock y-websocket
 * provider. Counts local changes the server has not confirmed yet ({@link EditLedger}: confirmed
 * by the server's answer to a sync step 1 sent after them) and those it refused, notices a dead link within seconds
 * (the server's keepalive stops), and records the server's coded rejections. Plain TypeScript;
 * UI state wraps it with `createSubscriber`.
 */
export class DocSync {
  readonly doc = new Y.Doc();
  readonly provider: WebsocketProvider;
  readonly persistence: IdbDocStore | null;
  readonly name: string;
  readonly scope: string;
  readonly kind: DocKind;
  readonly access: Access;
  /** Set when the server closed the link for good (e.g. token no longer valid). */
  terminal: { code: number; reason: string } | null = null;
  rejections: SyncRejection[] = [];
  everSynced = false;
  private readonly ledger: EditLedger;
  private readonly listeners = new Set<() => void>();
  private readonly pendingKey: string;
  private readonly refusedKey: string;
  /** The server's state vector from its last step 1: what it had when the link came back. */
  private serverVector: Uint8Array | null = null;
  private probeTimer = 0;
  private lastProbeAt = 0;
  private connectTimer = 0;
  private openingSince = 0;
  private lastCheckAt = Date.now();
  private readonly watchdog: number;
  /** This browser's name of the local copy (per user), and the channel its tabs say "dropped" on. */
  private readonly localName: string;
  private readonly dropped: BroadcastChannel | null;

  constructor(opts: DocSyncOptions) {
    this.scope = opts.scope;
    this.kind = opts.scope === 'command' ? 'command' : 'station';
    this.access = opts.access;
    this.name = docName(opts.operationId, opts.scope);
    this.pendingKey = pendingKey(opts.userId, this.name);
    this.refusedKey = refusedKey(opts.userId, this.name);
    this.ledger = new EditLedger(
      Number(safeGet(this.pendingKey) ?? 0) || 0,
      Number(safeGet(this.refusedKey) ?? 0) || 0,
    );
    this.localName = localDocName(opts.userId, this.name);
    // Updates from the server are written in batches (it can always resend them); local ones at once.
    this.persistence =
      opts.persist === false ? null : new IdbDocStore(this.localName, this.doc, (origin) => origin === this.provider);
    this.provider = new WebsocketProvider(`${opts.wsBase}/sync`, this.name, this.doc, {
      params: { token: opts.token },
      maxBackoffTime: 2500,
      connect: !this.persistence,
    });
    // The stored copy first: edits made offline must be in the document before the server is
    // asked what it lacks, or its answer (which a read-only link's server does not check against
    // them) would count them as delivered, and a refusal afterwards would find nothing pending.
    if (this.persistence) {
      const connect = () => {
        clearTimeout(this.connectTimer);
        this.provider.connect();
      };
      this.connectTimer = window.setTimeout(connect, STORED_COPY_WAIT_MS);
      this.persistence.onSettled(connect);
    }
    // Presence is published on the command document only; elsewhere we stay invisible.
    if (this.kind !== 'command') this.provider.awareness.setLocalState(null);
    this.provider.messageHandlers[MESSAGE_AUTH] = (_encoder, decoder) => {
      authProtocol.readAuthMessage(decoder, this.doc, (_doc, reason) => {
        const r = decodeRejection(reason) ?? { code: 'INVALID_PAYLOAD', message: reason, doc: this.name };
        if (r.code === 'FORBIDDEN') this.ledger.forbidden();
        this.rejections = [...this.rejections.slice(-19), r];
        this.emit();
      });
    };
    this.watchSyncMessages();
    this.doc.on('update', this.onUpdate);
    this.provider.on('status', this.onStatus);
    this.provider.on('sync', this.onSync);
    this.provider.on('connection-close', this.emit);
    this.provider.on('connection-error', this.emit);
    this.provider.on('closed', (close: { code: number; reason: string }) => {
      this.terminal = close;
      this.emit();
    });
    this.persistence?.onSynced(this.emit);
    this.persistence?.onFailedChange(this.emit);
    this.watchdog = window.setInterval(this.checkLink, 1000);
    this.dropped = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(DROPPED_CHANNEL);
    if (this.dropped) this.dropped.onmessage = this.onDroppedElsewhere;
  }

  /**
   * Another tab of this browser dropped its copy of the document (its user confirmed the refused
   * edits): this tab holds the same edits in memory and would hand them back over the tabs'
   * channel, so it lets go of the copy too and loads afresh.
   */
  private readonly onDroppedElsewhere = (e: MessageEvent): void => {
    if (e.data !== this.localName) return;
    this.provider.disconnect();
    this.persistence?.destroy();
    location.reload();
  };

  /** Local edits the server has not confirmed yet (kept across reloads as a count). */
  get pending(): number {
    return this.ledger.pending;
  }

  /**
   * Unconfirmed local edits that this browser could not keep (its storage is full or refused them):
   * they are in this page only, and a reload or sign-out before the server has them loses them.
   */
  get unstored(): number {
    return this.persistence?.failed ? this.ledger.pending : 0;
  }

  /**
   * Local edits the server refused (e.g. made offline in an operation closed meanwhile), kept across
   * reloads until the user acknowledges them with {@link dropLocalCopy}.
   */
  get refused(): number {
    return this.ledger.refused;
  }

  /** The drawings the server does not have (see `refusedDrawings`); empty before it has been reached. */
  unsentDrawings(): GeoJSON.Feature[] {
    return this.serverVector ? refusedDrawings(this.doc, this.serverVector) : [];
  }

  /**
   * Forget this browser's copy of the document (refused edits included) so that the next load
   * shows what the server has: stops storing it, deletes its database and its counts. The
   * document in memory keeps the refused edits: the caller opens the operation again.
   */
  async dropLocalCopy(): Promise<void> {
    // Other tabs holding it let go first (their open database would hold up its deletion).
    this.dropped?.postMessage(this.localName);
    this.ledger.clearRefused();
    safeSet(this.refusedKey, null);
    safeSet(this.pendingKey, null);
    this.rejections = [];
    const store = this.persistence;
    if (store) {
      store.destroy();
      await deleteDatabase(store.name);
    }
    this.emit();
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
    clearInterval(this.watchdog);
    clearTimeout(this.probeTimer);
    clearTimeout(this.connectTimer);
    this.dropped?.close();
    this.doc.off('update', this.onUpdate);
    this.persistence?.destroy();
    this.listeners.clear();
    this.provider.destroy();
    this.doc.destroy();
  }

  private readonly emit = (): void => {
    for (const fn of this.listeners) fn();
  };

  private readonly onSync = (synced: boolean): void => {
    if (synced) this.everSynced = true;
    this.emit();
  };

  private readonly onStatus = ({ status }: { status: 'connected' | 'disconnected' | 'connecting' }): void => {
    // `connected` is emitted right before the provider sends its own step 1 on the new socket.
    if (status === 'connected') this.ledger.connected();
    else this.ledger.disconnected();
    this.openingSince = status === 'connecting' ? Date.now() : 0;
    this.emit();
  };

  private readonly onUpdate = (_update: Uint8Array, origin: unknown): void => {
    if (origin === this.provider || origin === this.persistence) return;
    this.ledger.edit();
    this.savePending();
    this.scheduleProbe();
    this.emit();
  };

  /** See the server's sync messages go by: its step 1 (we answer with everything) and each step 2 (an answer to a step 1). */
  private watchSyncMessages(): void {
    const handle = this.provider.messageHandlers[MESSAGE_SYNC]!;
    this.provider.messageHandlers[MESSAGE_SYNC] = (encoder, decoder, provider, emitSynced, type) => {
      // The same handler reads other tabs' messages (BroadcastChannel, `emitSynced` false): they
      // neither confirm our edits nor say what the server holds.
      if (!emitSynced) return handle(encoder, decoder, provider, emitSynced, type);
      // The sync sub-type is the next varuint (one byte: 0, 1 or 2).
      const sub = decoder.arr[decoder.pos];
      if (sub === messageYjsSyncStep1) this.serverVector = readStateVector(decoder.arr, decoder.pos + 1);
      handle(encoder, decoder, provider, emitSynced, type);
      if (sub === messageYjsSyncStep1) {
        // The provider's answer is sent when this handler returns; our probe goes after it.
        this.ledger.serverAsked();
        this.scheduleProbe();
      } else if (sub === messageYjsSyncStep2 && this.ledger.answered()) {
        this.savePending();
        this.scheduleProbe(); // edits made while the probe was on its way
        this.emit();
      }
    };
  }

  /** Ask the server for its state once our edits are out: its answer confirms them. */
  private scheduleProbe(): void {
    if (this.probeTimer || !this.ledger.wantsProbe) return;
    const delay = Math.max(PROBE_DELAY_MS, this.lastProbeAt + PROBE_GAP_MS - Date.now());
    this.probeTimer = window.setTimeout(() => {
      this.probeTimer = 0;
      const ws = this.provider.ws;
      if (!this.ledger.wantsProbe || !this.provider.wsconnected || ws?.readyState !== WebSocket.OPEN) return;
      this.lastProbeAt = Date.now();
      this.ledger.probe();
      ws.send(encodeSyncStep1(Y.encodeStateVector(this.doc)));
    }, delay);
  }

  /** Heartbeat: drop a socket that went silent (or never opened) and open a new one. */
  private readonly checkLink = (): void => {
    const p = this.provider;
    // A late check means the page itself stalled (a long task, a sleeping laptop): messages that
    // arrived meanwhile are still queued behind it. Judge on the next one.
    const stalled = Date.now() - this.lastCheckAt > 2_500;
    this.lastCheckAt = Date.now();
    if (stalled) return;
    const silent = p.wsconnected && Date.now() - p.wsLastMessageReceived > SILENT_LINK_MS;
    const stuck = !p.wsconnected && this.openingSince > 0 && Date.now() - this.openingSince > OPENING_TIMEOUT_MS;
    if ((!silent && !stuck) || !p.shouldConnect) return;
    p.disconnect();
    p.connect();
  };

  private savePending(): void {
    const n = this.ledger.pending;
    safeSet(this.pendingKey, n ? String(n) : null);
    const refused = this.ledger.refused;
    safeSet(this.refusedKey, refused ? String(refused) : null);
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

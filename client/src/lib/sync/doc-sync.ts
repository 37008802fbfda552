import * as Y from 'yjs';
import { messageYjsSyncStep1, messageYjsSyncStep2 } from 'y-protocols/sync';
import { WebsocketProvider } from 'y-websocket';
import { decodeRejection, docName, scopeKind, type Access, type DocKind, type SyncRejection } from '@jointmap/shared';
import { EditLedger } from './edit-ledger.ts';
import { IdbDocStore } from './idb-store.ts';
import { LinkWatch } from './link-watch.ts';
import { deleteDatabase, localDocName, refusedKey } from './local-copies.ts';
import { PendingCount } from './pending-counts.ts';
import { refusedDrawings } from './refused-drawings.ts';
import { encodeSyncStep1, readPermissionDenied, readStateVector } from './sync-wire.ts';

/** y-websocket message types of sync and of auth ("permission denied") messages. */
const MESSAGE_SYNC = 0;
const MESSAGE_AUTH = 2;
/**
 * The server sends something at least every 2 s (a keepalive while idle): a synced socket silent
 * for this long is dead (a cut cable does not close it), so it is dropped and opened again.
 * y-websocket's own check waits 30 s and cannot be configured.
 */
export const SILENT_LINK_MS = 6_000;
/**
 * Until the server has answered our sync request, the socket may be silent longer: its answer is
 * one message, and the browser hands over a message only once all of it has arrived (a large
 * document on a slow link takes longer than {@link SILENT_LINK_MS}; dropped, it would be sent
 * again from the start, for ever). The allowance starts at `SILENT_LINK_MS`, doubles after each
 * socket that closed unanswered, and is reset once one is answered.
 */
export const MAX_ANSWER_WAIT_MS = 120_000;
/** While waiting on an answer, the provider is handed a keepalive after this much silence (see `LinkWatch.keepProviderAwake`). */
const PROVIDER_QUIET_MS = 10_000;
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
  /** This page's count of unconfirmed edits among every tab's (kept in localStorage). */
  private readonly pendingCount: PendingCount;
  private readonly refusedKey: string;
  private readonly link = new LinkWatch((frame, deliver) => this.onFrame(frame, deliver));
  /** Sockets closed since the last sync (y-websocket counts the same for its backoff). */
  private closesSinceSync = 0;
  /** The open socket has not had the server's answer to our sync request yet. */
  private awaitingAnswer = false;
  /** Sockets in a row that closed before the server's answer arrived. */
  private unansweredSockets = 0;
  /** The server's state vector from its last step 1: what it had when the link came back. */
  private serverVector: Uint8Array | null = null;
  private probeTimer = 0;
  private lastProbeAt = 0;
  private connectTimer = 0;
  /** The provider has been asked to connect (see `onUpdate`). */
  private connectAsked = false;
  private openingSince = 0;
  private lastCheckAt = Date.now();
  private readonly watchdog: number;
  /** The page (window) this document lives in, told when the page goes. */
  private readonly page: Window = window;
  /** This browser's name of the local copy (per user), and the channel its tabs say "dropped" on. */
  private readonly localName: string;
  private readonly dropped: BroadcastChannel | null;

  constructor(opts: DocSyncOptions) {
    this.scope = opts.scope;
    this.kind = scopeKind(opts.scope);
    this.access = opts.access;
    this.name = docName(opts.operationId, opts.scope);
    this.pendingCount = new PendingCount(opts.userId, this.name);
    this.refusedKey = refusedKey(opts.userId, this.name);
    this.ledger = new EditLedger(
      this.pendingCount.claim(),
      Number(safeGet(this.refusedKey) ?? 0) || 0,
      opts.persist !== false,
    );
    this.localName = localDocName(opts.userId, this.name);
    // Updates from the server are written in batches (it can always resend them); local ones at once.
    this.persistence =
      opts.persist === false ? null : new IdbDocStore(this.localName, this.doc, (origin) => origin === this.provider);
    this.provider = new WebsocketProvider(`${opts.wsBase}/sync`, this.name, this.doc, {
      params: { token: opts.token },
      maxBackoffTime: 2500,
      connect: !this.persistence,
      WebSocketPolyfill: this.link.WebSocket,
    });
    // The stored copy first: edits made offline must be in the document before the server is
    // asked what it lacks, or its answer (which a read-only link's server does not check against
    // them) would count them as delivered, and a refusal afterwards would find nothing pending.
    if (this.persistence) {
      const connect = () => {
        clearTimeout(this.connectTimer);
        this.connectAsked = true;
        this.provider.connect();
      };
      this.connectTimer = window.setTimeout(connect, STORED_COPY_WAIT_MS);
      this.persistence.onSettled(connect);
      // The edits an earlier page left unconfirmed are in the stored copy: they go out once it has
      // loaded (with the document, or as the store applies them to a connected one), and no answer
      // before that confirms them (a link that stopped waiting for a slow copy).
      this.persistence.onSettled(() => {
        this.ledger.restoredOut();
        this.scheduleProbe();
      });
    }
    // Presence is published on the command document only; elsewhere we stay invisible.
    if (this.kind !== 'command') this.provider.awareness.setLocalState(null);
    this.doc.on('update', this.onUpdate);
    this.provider.on('status', this.onStatus);
    this.provider.on('sync', this.onSync);
    this.provider.on('connection-close', this.onClose);
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
    this.page.addEventListener('pagehide', this.onPageHide);
  }

  /**
   * Another tab of this browser dropped its copy of the document (its user confirmed the refused
   * edits): this tab holds the same edits in memory and would hand them back over the tabs'
   * channel, so it lets go of the copy too and loads afresh.
   */
  private readonly onDroppedElsewhere = (e: MessageEvent): void => {
    if (e.data !== this.localName) return;
    this.pendingCount.forget();
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
    this.pendingCount.forget();
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

  /** Sockets closed since the document was last in sync (the first after a sync included). */
  get failedAttempts(): number {
    return this.closesSinceSync;
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
    this.page.removeEventListener('pagehide', this.onPageHide);
    this.pendingCount.release();
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
    if (synced) {
      this.everSynced = true;
      this.closesSinceSync = 0;
      this.awaitingAnswer = false;
      this.unansweredSockets = 0;
    }
    this.emit();
  };

  private readonly onClose = (): void => {
    this.closesSinceSync++;
    this.emit();
  };

  /** The page goes (reload, close): another page may take this one's count over at once. */
  private readonly onPageHide = (e: Event): void => {
    if (!(e as PageTransitionEvent).persisted) this.pendingCount.release();
  };

  private readonly onStatus = ({ status }: { status: 'connected' | 'disconnected' | 'connecting' }): void => {
    // `connected` is emitted right before the provider sends its own step 1 on the new socket.
    if (status === 'connected') this.ledger.connected();
    else this.ledger.disconnected();
    if (status === 'disconnected' && this.awaitingAnswer) this.unansweredSockets++;
    this.awaitingAnswer = status === 'connected';
    this.openingSince = status === 'connecting' ? Date.now() : 0;
    this.emit();
  };

  private readonly onUpdate = (_update: Uint8Array, origin: unknown): void => {
    if (origin === this.provider) return;
    // What the store applies before the link is asked to open (the stored copy, loaded in time)
    // holds edits an earlier page counted (`restored`). What it applies later (a load slower than
    // STORED_COPY_WAIT_MS; a compaction bringing in another tab's writes) goes out on the link as
    // a local edit does, so it is counted as one: only a probe answered after it confirms it.
    if (this.persistence && origin === this.persistence && !this.connectAsked) return;
    this.ledger.edit();
    this.savePending();
    this.scheduleProbe();
    this.emit();
  };

  /**
   * Every frame from the server, before the provider reads it (`deliver`). Sync messages go by:
   * the server's step 1 (the provider answers with everything) and each step 2 (an answer to a
   * step 1). Auth messages (a refusal) are ours: the provider would only log them. Other tabs'
   * messages (BroadcastChannel) do not come this way: they neither confirm our edits nor say
   * what the server holds.
   */
  private onFrame(frame: Uint8Array, deliver: () => void): void {
    if (frame[0] === MESSAGE_AUTH) return this.onRefusal(frame);
    if (frame[0] !== MESSAGE_SYNC) return deliver();
    // The sync sub-type is the next varuint (one byte: 0, 1 or 2).
    const sub = frame[1];
    if (sub === messageYjsSyncStep1) this.serverVector = readStateVector(frame, 2);
    deliver();
    if (sub === messageYjsSyncStep1) {
      // The provider has sent its answer; our probe goes after it.
      this.ledger.serverAsked();
      this.scheduleProbe();
    } else if (sub === messageYjsSyncStep2 && this.ledger.answered()) {
      this.savePending();
      this.scheduleProbe(); // edits made while the probe was on its way
      this.emit();
    }
  }

  private onRefusal(frame: Uint8Array): void {
    const reason = readPermissionDenied(frame);
    if (reason === null) return;
    const r = decodeRejection(reason) ?? { code: 'INVALID_PAYLOAD', message: reason, doc: this.name };
    if (r.code === 'FORBIDDEN') this.ledger.forbidden();
    this.rejections = [...this.rejections.slice(-19), r];
    this.emit();
  }

  /** Ask the server for its state once our edits are out: its answer confirms them. */
  private scheduleProbe(): void {
    if (this.probeTimer || !this.ledger.wantsProbe) return;
    const delay = Math.max(PROBE_DELAY_MS, this.lastProbeAt + PROBE_GAP_MS - Date.now());
    this.probeTimer = window.setTimeout(() => {
      this.probeTimer = 0;
      if (!this.ledger.wantsProbe || !this.provider.wsconnected) return;
      if (!this.link.send(encodeSyncStep1(Y.encodeStateVector(this.doc)))) return;
      this.lastProbeAt = Date.now();
      this.ledger.probe();
    }, delay);
  }

  /** Heartbeat: drop a socket that went silent (or never opened) and open a new one. */
  private readonly checkLink = (): void => {
    const p = this.provider;
    // A late check means the page itself stalled (a long task, a sleeping laptop): messages that
    // arrived meanwhile are still queued behind it. Judge on the next one.
    const stalled = Date.now() - this.lastCheckAt > 2_500;
    this.lastCheckAt = Date.now();
    this.pendingCount.beat();
    if (stalled) return;
    const allowed = this.awaitingAnswer
      ? Math.min(SILENT_LINK_MS * 2 ** this.unansweredSockets, MAX_ANSWER_WAIT_MS)
      : SILENT_LINK_MS;
    if (this.awaitingAnswer) this.link.keepProviderAwake(PROVIDER_QUIET_MS);
    const silent = p.wsconnected && Date.now() - this.link.heardAt > allowed;
    const stuck = !p.wsconnected && this.openingSince > 0 && Date.now() - this.openingSince > OPENING_TIMEOUT_MS;
    if ((!silent && !stuck) || !p.shouldConnect) return;
    p.disconnect();
    p.connect();
  };

  private savePending(): void {
    this.pendingCount.set(this.ledger.pending);
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

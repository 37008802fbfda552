/**
 * Document load: stock y-websocket clients (as a browser connects them: default back-off, no
 * broadcast channel in Node), each editing its own few annotations about once every 2 s. An edit
 * counts as acknowledged once another client observed it: the server relays an update only after
 * it is durable, so an observed edit must survive any crash.
 */
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import * as authProtocol from 'y-protocols/auth';
import { WebsocketProvider } from 'y-websocket';
import { DEMO_OP } from '../helpers/server.ts';
import { pointAnnotation } from '../helpers/records.ts';
import type { Random } from '../helpers/random.ts';
import { Histogram } from './metrics.ts';
import type { Disruptions } from './schedule.ts';

/** The documents edited and who edits each (the demo dispatchers and the commander). */
export const EDITED_DOCS = [
  { doc: `${DEMO_OP}/deqing-yuyue`, user: 'deqing' },
  { doc: `${DEMO_OP}/linping-yunhe`, user: 'linping' },
  { doc: `${DEMO_OP}/tongxiang-zhouquan`, user: 'tongxiang' },
  { doc: `${DEMO_OP}/command`, user: 'commander' },
] as const;
export const COMMAND_DOC = `${DEMO_OP}/command`;

export interface SyncPeer {
  name: string;
  doc: Y.Doc;
  provider: WebsocketProvider;
}

/** Coded rejections (y-protocols/auth "permission denied") the server sent to soak clients. */
export const rejections = new Map<string, number>();

/**
 * A stock WebsocketProvider with the browser's defaults (reconnect back-off up to 2.5 s). Its
 * auth handler only logs; ours counts the server's coded rejections instead, as the console does.
 */
export function openPeer(name: string, wsUrl: string, docName: string, token: string): SyncPeer {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${wsUrl}/sync`, docName, doc, {
    params: { token },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  provider.messageHandlers[2] = (_encoder, decoder) => {
    authProtocol.readAuthMessage(decoder, doc, (_doc, reason) => {
      let code = 'unknown';
      try {
        code = `${(JSON.parse(reason) as { code?: string }).code} (${docName.split('/')[1]}, ${name.replace(/-\d+$/, '')})`;
      } catch {
        // not one of our coded reasons
      }
      rejections.set(code, (rejections.get(code) ?? 0) + 1);
    });
  };
  return { name, doc, provider };
}

export function waitAllSynced(peers: readonly SyncPeer[], timeoutMs: number): Promise<boolean> {
  const start = Date.now();
  return new Promise((resolve) => {
    const check = () => {
      if (peers.every((p) => p.provider.synced)) return resolve(true);
      if (Date.now() - start > timeoutMs) return resolve(false);
      setTimeout(check, 50);
    };
    check();
  });
}

/** Drop every peer's socket at once; each provider reconnects by itself. */
export function dropAll(peers: readonly SyncPeer[]): void {
  for (const p of peers) p.provider.ws?.close();
}

interface Editor extends SyncPeer {
  index: number;
  docName: string;
  nextAt: number;
  version: number;
}

interface LastEdit {
  doc: string;
  v: number;
  sentAt: number;
  online: boolean;
}

const LABEL = /^soak c(\d+) v(\d+)$/;

export class EditLoad {
  readonly editors: Editor[] = [];
  /** Highest version of each key that a client other than its author observed. */
  readonly acked = new Map<string, { doc: string; v: number }>();
  private readonly last = new Map<string, LastEdit>();
  readonly latency = new Histogram();
  readonly steadyLatency = new Histogram();
  sent = 0;
  sentOffline = 0;
  observations = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly rng: Random,
    private readonly disruptions: Disruptions,
    private readonly options: { count: number; intervalMs: number; keysPerEditor: number },
  ) {}

  /** Connect the editors (round-robin over the documents) and wait until all have synced. */
  async connect(wsUrl: string, tokens: Record<string, string>): Promise<void> {
    for (let i = 0; i < this.options.count; i++) {
      const target = EDITED_DOCS[i % EDITED_DOCS.length]!;
      const peer = openPeer(`editor-${i}`, wsUrl, target.doc, tokens[target.user]!);
      // As the console does: presence on the command document only.
      if (target.doc === COMMAND_DOC) peer.provider.awareness.setLocalState({ pointer: null });
      else peer.provider.awareness.setLocalState(null);
      const editor: Editor = { ...peer, index: i, docName: target.doc, nextAt: 0, version: 0 };
      const map = peer.doc.getMap('annotations');
      map.observe((event) => {
        for (const key of event.keysChanged) this.observe(editor, key, map.get(key));
      });
      this.editors.push(editor);
    }
    if (!(await waitAllSynced(this.editors, 60_000))) throw new Error('editors did not sync within 60 s');
  }

  start(): void {
    const now = Date.now();
    for (const e of this.editors) e.nextAt = now + this.rng.next() * this.options.intervalMs;
    this.timer = setInterval(() => this.tick(), 20);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  destroy(): void {
    this.stop();
    for (const e of this.editors.splice(0)) {
      e.provider.destroy();
      e.doc.destroy();
    }
  }

  private tick(): void {
    const now = Date.now();
    for (const e of this.editors) {
      if (now < e.nextAt) continue;
      // ±20 % jitter around the interval, as people do not type in step.
      e.nextAt = now + this.options.intervalMs * (0.8 + 0.4 * this.rng.next());
      this.edit(e, now);
    }
  }

  private edit(e: Editor, now: number): void {
    e.version++;
    const key = `soak-c${e.index}-k${e.version % this.options.keysPerEditor}`;
    const lng = 120.2 + this.rng.next() * 0.15;
    const lat = 30.45 + this.rng.next() * 0.15;
    const record = { ...pointAnnotation(key, `soak c${e.index} v${e.version}`, lng, lat), updatedAt: now };
    // Edits made while disconnected are kept (offline work) and merge on reconnect, but only
    // edits made online count for latency.
    const online = e.provider.wsconnected && e.provider.synced;
    this.last.set(key, { doc: e.docName, v: e.version, sentAt: now, online });
    this.sent++;
    if (!online) this.sentOffline++;
    e.doc.getMap('annotations').set(key, record);
    if (e.docName === COMMAND_DOC) e.provider.awareness.setLocalStateField('pointer', [lng, lat]);
  }

  private observe(observer: Editor, key: string, value: unknown): void {
    if (!key.startsWith('soak-c') || !value) return;
    const m = LABEL.exec((value as { label?: string }).label ?? '');
    if (!m || Number(m[1]) === observer.index) return;
    const v = Number(m[2]);
    const now = Date.now();
    this.observations++;
    const acked = this.acked.get(key);
    if (!acked || acked.v < v) this.acked.set(key, { doc: observer.docName, v });
    const last = this.last.get(key);
    if (!last || last.v !== v || !last.online) return;
    const ms = now - last.sentAt;
    this.latency.add(ms);
    if (!this.disruptions.overlaps(last.sentAt, now)) this.steadyLatency.add(ms);
  }

  /** Every edit made, with its highest version (what a fully synced document must hold). */
  lastVersions(): Map<string, { doc: string; v: number }> {
    return new Map([...this.last].map(([k, l]) => [k, { doc: l.doc, v: l.v }]));
  }
}

/** Version of a soak record in a document, or -1 when the key is missing. */
export function versionIn(doc: Y.Doc, key: string): number {
  const value = doc.getMap('annotations').get(key) as { label?: string } | undefined;
  const m = LABEL.exec(value?.label ?? '');
  return m ? Number(m[2]) : -1;
}

/** Keys whose acknowledged version is missing (or older) in the given documents. */
export function missingEdits(
  docs: ReadonlyMap<string, Y.Doc>,
  expected: ReadonlyMap<string, { doc: string; v: number }>,
): Array<{ key: string; doc: string; expected: number; found: number }> {
  const missing: Array<{ key: string; doc: string; expected: number; found: number }> = [];
  for (const [key, { doc, v }] of expected) {
    const found = versionIn(docs.get(doc)!, key);
    if (found < v) missing.push({ key, doc, expected: v, found });
  }
  return missing;
}

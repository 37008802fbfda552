import { WebSocket } from 'ws';
import * as Y from 'yjs';
import * as authProtocol from 'y-protocols/auth';
import { WebsocketProvider } from 'y-websocket';
import type { Teardown } from './server.ts';

export interface SyncClient {
  doc: Y.Doc;
  provider: WebsocketProvider;
  /** Reasons of auth (permission denied) messages received from the server. */
  rejections: string[];
  destroy(): void;
}

/** Providers made here and not destroyed yet. */
let liveProviders = 0;

/**
 * The stock y-websocket WebsocketProvider, exactly as a browser would use it, with `ws` as the
 * WebSocket implementation. Resolves when the first sync completed (unless `waitSynced: false`).
 */
export async function connectClient(
  t: Teardown | null,
  wsUrl: string,
  docName: string,
  token: string,
  options: { doc?: Y.Doc; waitSynced?: boolean; connect?: boolean } = {},
): Promise<SyncClient> {
  const doc = options.doc ?? new Y.Doc();
  const rejections: string[] = [];
  // Under Node each provider adds a process 'exit' listener until it is destroyed: a test with
  // more than ten clients at once is not a leak, so the warning's limit follows the clients alive.
  liveProviders++;
  process.setMaxListeners(Math.max(process.getMaxListeners(), liveProviders + 10));
  const provider = new WebsocketProvider(`${wsUrl}/sync`, docName, doc, {
    params: { token },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    connect: options.connect ?? true,
    maxBackoffTime: 300,
    disableBc: true,
  });
  // The stock provider only logs "permission denied" (y-protocols/auth); record the reasons too.
  provider.messageHandlers[2] = (_encoder, decoder) => {
    authProtocol.readAuthMessage(decoder, doc, (_doc, reason) => rejections.push(reason));
  };
  let destroyed = false;
  const client: SyncClient = {
    doc,
    provider,
    rejections,
    destroy() {
      if (destroyed) return;
      destroyed = true;
      liveProviders--;
      provider.destroy();
      doc.destroy();
    },
  };
  t?.onTestFinished(() => client.destroy());
  if (options.waitSynced !== false && (options.connect ?? true)) await waitSynced(provider);
  return client;
}

export function waitSynced(provider: WebsocketProvider, timeoutMs = 10_000): Promise<void> {
  if (provider.synced) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('not synced in time')), timeoutMs);
    const on = (synced: boolean) => {
      if (!synced) return;
      clearTimeout(timer);
      provider.off('sync', on);
      resolve();
    };
    provider.on('sync', on);
  });
}

/** Poll until `predicate` holds (for effects that travel over real sockets). */
export async function eventually(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { syncStep1Frame } from './raw-connection.ts';
import type { SyncClient } from './sync-client.ts';

/**
 * Resolves once the server has handled everything a stock client sent so far (its sync step 2
 * included): a sync step 1 sent now is answered in order after all of it, and whatever the server
 * told the client before (a rejection) has been read by the provider by then.
 */
export function serverCaughtUp(client: SyncClient, timeoutMs = 10_000): Promise<void> {
  const ws = client.provider.ws;
  if (!ws) throw new Error('the client is not connected');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer to the barrier in time')), timeoutMs);
    const onMessage = (event: MessageEvent) => {
      const d = decoding.createDecoder(new Uint8Array(event.data as ArrayBuffer));
      if (decoding.readVarUint(d) !== 0 || decoding.readVarUint(d) !== 1) return; // not a sync step 2
      clearTimeout(timer);
      ws.removeEventListener('message', onMessage);
      resolve();
    };
    ws.addEventListener('message', onMessage);
    ws.send(syncStep1Frame(Y.encodeStateVector(client.doc)));
  });
}

import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { connected, connectViewer, type LiveViewer } from '../live/live-helpers.ts';
import type { Teardown, TestServer } from './server.ts';

/** A raw sync socket kept open, recording how the server ends it. */
export interface WatchedSync {
  ws: WebSocket;
  /** Error codes of the permission-denied messages received. */
  codes: string[];
  /** Set once the server closed it. */
  closed: { code: number; reason: string } | null;
  isOpen(): boolean;
}

/** Open a sync socket for `doc` with `token` and resolve once it is open (not yet closed). */
export async function openSync(t: Teardown, server: TestServer, doc: string, token: string): Promise<WatchedSync> {
  const ws = new WebSocket(`${server.wsUrl}/sync/${doc}?token=${token}`);
  const watched: WatchedSync = {
    ws,
    codes: [],
    closed: null,
    isOpen: () => ws.readyState === WebSocket.OPEN && watched.closed === null,
  };
  ws.on('message', (data: Buffer) => {
    const d = decoding.createDecoder(new Uint8Array(data));
    if (decoding.readVarUint(d) === 2 && decoding.readVarUint(d) === 0) {
      watched.codes.push((JSON.parse(decoding.readVarString(d)) as { code: string }).code);
    }
  });
  ws.on('close', (code, reason) => (watched.closed = { code, reason: reason.toString() }));
  t.onTestFinished(() => ws.terminate());
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  // The session is checked after the upgrade: ask for the document (sync step 1) and wait for the
  // answer, which comes once the connection is set up.
  const step1 = encoding.createEncoder();
  encoding.writeVarUint(step1, 0);
  syncProtocol.writeSyncStep1(step1, new Y.Doc());
  ws.send(encoding.toUint8Array(step1));
  await new Promise<void>((resolve, reject) => {
    ws.once('message', () => resolve());
    ws.once('close', (code) => reject(new Error(`sync socket closed at once (${code})`)));
  });
  return watched;
}

/** A socket.io viewer of `operationId` that does not reconnect, once connected and joined. */
export async function openLive(t: Teardown, server: TestServer, operationId: string, token: string) {
  const viewer: LiveViewer & { disconnectReason?: string } = connectViewer(
    t,
    server.url,
    { token, operationId },
    { reconnection: false },
  );
  viewer.socket.on('disconnect', (reason) => (viewer.disconnectReason = reason));
  await connected(viewer.socket);
  return viewer;
}

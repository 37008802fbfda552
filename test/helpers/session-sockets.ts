import * as Y from 'yjs';
import { connected, connectViewer, type LiveViewer } from '../live/live-helpers.ts';
import { openRaw, syncStep1Frame, type RawConnection } from './raw-connection.ts';
import type { Teardown, TestServer } from './server.ts';

/**
 * Open a sync socket for `doc` with `token` and resolve once the server has set it up (not yet
 * closed): the session is checked after the upgrade, so it asks for the document (sync step 1)
 * and waits for the answer.
 */
export async function openSync(t: Teardown, server: TestServer, doc: string, token: string): Promise<RawConnection> {
  const conn = openRaw(t, server, doc, token);
  await conn.opened;
  const answered = conn.nextMessage();
  conn.send([syncStep1Frame(Y.encodeStateVector(new Y.Doc()))]);
  await answered.catch((err: Error) => {
    throw new Error(`${err.message} at once`);
  });
  return conn;
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

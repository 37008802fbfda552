import { expect, test } from 'vitest';
import { outdatedTimeout } from 'y-protocols/awareness';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { awarenessEntries, awarenessFrame, openRaw } from '../helpers/raw-connection.ts';
import { connectClient, eventually, type SyncClient } from '../helpers/sync-client.ts';

const DOC = `${DEMO_OP}/deqing-yuyue`;
/** The awareness client id of the connection that stops renewing its state. */
const FROZEN = 424_242;

/**
 * Presence timeout as y-protocols defines it, and as the reference server relays it: a state its
 * client has not renewed for 30 s is removed by the server and by every client. Here a connection
 * driven by hand sets one state and then stays connected without renewing it (a frozen client),
 * while two stock clients keep theirs renewed through the server's renewal steps.
 */
test(
  'a state not renewed for 30 s is removed at every stock client and by the server (the socket stays open); ' +
    'renewed states stay; a later renewal brings it back',
  { timeout: 120_000 },
  async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    const a = await connectClient(t, server.wsUrl, DOC, token);
    const b = await connectClient(t, server.wsUrl, DOC, token);
    a.provider.awareness.setLocalState({ pointer: [120.29, 30.52] });
    b.provider.awareness.setLocalState({ pointer: [120.3, 30.53] });
    const has = (c: SyncClient, id: number) => c.provider.awareness.getStates().has(id);
    await eventually(() => has(a, b.doc.clientID) && has(b, a.doc.clientID), 5000, 'stock states relayed');
    const stockSetAt = Date.now();
    const frozen = openRaw(t, server, DOC, token);
    await frozen.opened;
    frozen.send([awarenessFrame([[FROZEN, 1, { pointer: [120.31, 30.54] }]])]);
    await eventually(() => has(a, FROZEN) && has(b, FROZEN), 5000, 'frozen state relayed');
    const setAt = Date.now();
    expect(a.provider.awareness.getStates().get(FROZEN)).toEqual({
      pointer: [120.31, 30.54],
      user: { id: 'u-deqing', name: '禹越值班民警', role: 'dispatcher', stationId: 'deqing-yuyue' },
    });

    await eventually(() => !has(a, FROZEN) && !has(b, FROZEN), outdatedTimeout + 15_000, 'frozen state timed out');
    // Not before its time: the state went because it was not renewed, not because anything closed.
    expect(Date.now() - setAt).toBeGreaterThanOrEqual(outdatedTimeout - 1000);
    expect(frozen.isOpen).toBe(true);
    // The server removed it too, and told every connection (the frozen one included).
    await eventually(
      () =>
        frozen.awareness.some((u) => awarenessEntries(u).some(([id, , state]) => id === FROZEN && state === 'null')),
      10_000,
      'the server relayed the removal',
    );
    // The stock clients' own states, renewed through the server all along, are still there on both
    // sides well after they would have timed out unrenewed (30 s, checked every 3 s).
    await new Promise((r) => setTimeout(r, Math.max(0, stockSetAt + outdatedTimeout + 7000 - Date.now())));
    expect(has(a, b.doc.clientID) && has(b, a.doc.clientID)).toBe(true);

    // The frozen client wakes up and renews: everybody sees it again.
    frozen.send([awarenessFrame([[FROZEN, 2, { pointer: [120.31, 30.54] }]])]);
    await eventually(() => has(a, FROZEN) && has(b, FROZEN), 5000, 'renewed state back');
  },
);

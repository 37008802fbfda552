import { describe, expect, test } from 'vitest';
import { DEMO_OP, startServer, type Teardown } from '../helpers/server.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { connectClient, eventually, type SyncClient } from '../helpers/sync-client.ts';

const DOC = `${DEMO_OP}/deqing-yuyue`;
const DEQING = { id: 'u-deqing', name: '禹越值班民警', role: 'dispatcher', stationId: 'deqing-yuyue' };

/** What every client should see: the others' local states, each stamped with the verified user. */
function expectedAt(observer: SyncClient, clients: SyncClient[]): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const c of clients) {
    if (c === observer || !c.provider.wsconnected) continue;
    const local = c.provider.awareness.getLocalState();
    if (local) out[c.doc.clientID] = { ...local, user: DEQING };
  }
  return out;
}

/** The states an observer's awareness holds, as whole objects (its own left out). */
function seenAt(observer: SyncClient): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const [id, state] of observer.provider.awareness.getStates()) if (id !== observer.doc.clientID) out[id] = state;
  return out;
}

async function converged(clients: SyncClient[], what: string): Promise<void> {
  const connected = clients.filter((c) => c.provider.wsconnected);
  await eventually(
    () => connected.every((o) => JSON.stringify(seenAt(o)) === JSON.stringify(expectedAt(o, clients))),
    10_000,
    what,
  ).catch((err: unknown) => {
    const wrong = connected.filter((o) => JSON.stringify(seenAt(o)) !== JSON.stringify(expectedAt(o, clients)));
    throw new Error(`${(err as Error).message}: clients ${wrong.map((o) => clients.indexOf(o)).join(', ')} differ`);
  });
  for (const o of connected) expect(seenAt(o)).toEqual(expectedAt(o, clients));
}

/** Join, update, leave, reconnect with 12 stock clients while one of them edits the document. */
async function scenario(t: Teardown, awarenessTickMs: number): Promise<number> {
  const server = await startServer(t, { awarenessTickMs });
  const { token } = await server.login('deqing');
  const clients: SyncClient[] = [];
  for (let i = 0; i < 12; i++) clients.push(await connectClient(t, server.wsUrl, DOC, token));
  // Edits keep flowing the whole time.
  let edits = 0;
  const editor = setInterval(() => {
    const key = `p-${edits++}`;
    clients[0]!.doc.getMap('annotations').set(key, pointAnnotation(key, `${edits}`, 120.29 + edits / 10_000));
  }, 5);
  t.onTestFinished(() => clearInterval(editor));

  // Join: everybody sets a state (a spoofed identity is replaced by the verified one).
  clients.forEach((c, i) =>
    c.provider.awareness.setLocalState({ pointer: [120 + i / 100, 30.5], n: i, user: { id: 'u-commander' } }),
  );
  await converged(clients, 'every state seen by everybody');
  // Update: several in the same moment, some twice.
  for (const i of [1, 2, 3, 2, 1]) clients[i]!.provider.awareness.setLocalStateField('pointer', [121, 31 + i]);
  await converged(clients, 'updates seen');
  // Clear (a null state) and leave: removals seen by the others.
  clients[4]!.provider.awareness.setLocalState(null);
  clients[5]!.destroy();
  clients.splice(5, 1);
  await converged(clients, 'removals seen');
  // Reconnect: the state goes when the socket closes. The stock client keeps the clocks of what
  // it saw and re-sends its own unchanged, so (with the reference server too) states come back on
  // both sides with their next change or 15-s renewal: here, a change of every client.
  clients[6]!.provider.disconnect();
  await converged(clients, 'disconnected state removed');
  clients[6]!.provider.connect();
  await eventually(() => clients[6]!.provider.synced, 10_000, 'reconnected');
  for (const c of clients) if (c.provider.awareness.getLocalState()) c.provider.awareness.setLocalStateField('seen', 1);
  await converged(clients, 'reconnected state back');
  // A late joiner gets every current state at once.
  const late = await connectClient(t, server.wsUrl, DOC, token);
  clients.push(late);
  await eventually(() => Object.keys(seenAt(late)).length > 0, 10_000, 'late joiner sees states');
  expect(seenAt(late)).toEqual(expectedAt(late, clients.slice(0, -1)));
  late.provider.awareness.setLocalState({ pointer: [120, 30], late: true });
  await converged(clients, 'late joiner seen by everybody');

  clearInterval(editor);
  const keys = () => JSON.stringify([...clients[0]!.doc.getMap('annotations').keys()].sort());
  await eventually(
    () => clients.every((c) => JSON.stringify([...c.doc.getMap('annotations').keys()].sort()) === keys()),
    10_000,
    'edits converge',
  );
  return edits;
}

describe('coalesced presence with stock y-websocket clients', () => {
  test('join, update, clear, leave, reconnect and late join: every client holds exactly the expected states, relays at once (tick 0)', async (t) => {
    expect(await scenario(t, 0)).toBeGreaterThan(0);
  });

  test('… and with presence coalesced over 15 ms ticks, while edits flow', async (t) => {
    expect(await scenario(t, 15)).toBeGreaterThan(0);
  });
});

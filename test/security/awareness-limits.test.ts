import { describe, expect, test } from 'vitest';
import { awarenessFrame, limitedCount, openRaw } from '../helpers/raw-connection.ts';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { connectClient, eventually, type SyncClient } from '../helpers/sync-client.ts';

const DOC = `${DEMO_OP}/command`;
const RAW_IDS = Array.from({ length: 100 }, (_, i) => 5000 + i);

const states = (c: SyncClient) => c.provider.awareness.getStates() as Map<number, Record<string, unknown>>;

describe('presence (awareness) limits', () => {
  test('a raw client announcing 100 client ids publishes at most AWARENESS_MAX_CLIENTS; others keep their presence', async (t) => {
    const server = await startServer(t);
    const max = server.ctx.config.awarenessMaxClients;
    const deqing = await server.login('deqing');
    const wall = await server.login('wall');
    const watcher = await connectClient(t, server.wsUrl, DOC, wall.token);
    const a = await connectClient(t, server.wsUrl, DOC, deqing.token);
    const raw = openRaw(t, server, DOC, deqing.token);
    await raw.opened;
    raw.send([awarenessFrame(RAW_IDS.slice(0, 50).map((id) => [id, 1, { pointer: [120.3, 30.5] }]))]);
    raw.send([awarenessFrame(RAW_IDS.slice(50).map((id) => [id, 1, { pointer: [120.3, 30.5] }]))]);
    // Then a renewal of its first id: once the watcher sees it, everything before was handled.
    raw.send([awarenessFrame([[RAW_IDS[0]!, 2, { pointer: [120.3, 30.5], done: true }]])]);
    a.provider.awareness.setLocalState({ pointer: [120.1, 30.4] });

    await eventually(() => states(watcher).get(RAW_IDS[0]!)?.done === true, 10_000, 'the raw client done');
    await eventually(() => states(watcher).get(a.doc.clientID)?.pointer !== undefined, 10_000, "a's presence");
    expect(RAW_IDS.filter((id) => states(watcher).has(id))).toEqual(RAW_IDS.slice(0, max));
    expect(raw.codes).toEqual(['RATE_LIMITED']); // told once, not per message
    expect(raw.isOpen).toBe(true); // ignored, not closed
    expect(await limitedCount(server, 'awareness_clients')).toBe(2);
  });

  test('stock clients keep their presence semantics under the tightest limit (echoes do not count)', async (t) => {
    // One id per connection: stock y-websocket clients echo every state they receive, and only
    // their own must count.
    const server = await startServer(t, { awarenessMaxClients: 1 });
    const { token } = await server.login('commander');
    const clients: SyncClient[] = [];
    for (let i = 0; i < 3; i++) clients.push(await connectClient(t, server.wsUrl, DOC, token));
    const [a, b, c] = clients as [SyncClient, SyncClient, SyncClient];
    clients.forEach((x, i) => x.provider.awareness.setLocalState({ pointer: [120 + i / 10, 30.5] }));
    const seesAll = (x: SyncClient) => clients.every((y) => states(x).get(y.doc.clientID)?.pointer !== undefined);
    await eventually(() => clients.every(seesAll), 10_000, 'everyone sees everyone');
    // Renewals go on being accepted (the same id), and a late joiner gets every state.
    a.provider.awareness.setLocalStateField('pointer', [121, 31]);
    await eventually(() => (states(c).get(a.doc.clientID)?.pointer as number[])[0] === 121, 10_000, 'renewal');
    const late = await connectClient(t, server.wsUrl, DOC, token);
    await eventually(() => seesAll(late), 10_000, 'the late joiner sees everyone');
    // One leaves: only its state goes.
    b.destroy();
    await eventually(() => !states(c).has(b.doc.clientID), 10_000, 'b gone');
    expect(states(c).get(a.doc.clientID)?.pointer).toEqual([121, 31]);
    expect(await limitedCount(server, 'awareness_clients')).toBe(0);
  });
});

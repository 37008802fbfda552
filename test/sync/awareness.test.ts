import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { connectClient, eventually } from '../helpers/sync-client.ts';

describe('awareness (presence)', () => {
  test('states relay to others with the server-verified identity, and vanish on disconnect', async (t) => {
    const server = await startServer(t);
    const deqing = await server.login('deqing');
    const wall = await server.login('wall');
    const doc = `${DEMO_OP}/command`;
    const a = await connectClient(t, server.wsUrl, doc, deqing.token);
    const b = await connectClient(t, server.wsUrl, doc, wall.token);
    // A client claiming to be the commander is shown as who it really is.
    a.provider.awareness.setLocalState({
      user: { id: 'u-commander', name: '冒充指挥长', role: 'commander', stationId: null },
      pointer: [120.3, 30.52],
    });
    const stateOfA = () =>
      b.provider.awareness.getStates().get(a.doc.clientID) as
        { user: { id: string; name: string; role: string }; pointer: number[] } | undefined;
    await eventually(() => stateOfA()?.pointer !== undefined, 5000, 'awareness relayed');
    expect(stateOfA()!.user).toEqual({
      id: 'u-deqing',
      name: '禹越值班民警',
      role: 'dispatcher',
      stationId: 'deqing-yuyue',
    });
    expect(stateOfA()!.pointer).toEqual([120.3, 30.52]);
    // A late joiner gets current states at once.
    const c = await connectClient(t, server.wsUrl, doc, wall.token);
    await eventually(() => c.provider.awareness.getStates().has(a.doc.clientID), 5000, 'late joiner sees presence');
    a.destroy();
    await eventually(
      () => !b.provider.awareness.getStates().has(a.doc.clientID),
      5000,
      'presence removed on disconnect',
    );
  });

  test('a client reconnecting while its old connection lingers keeps its presence; another user cannot take its id', async (t) => {
    const server = await startServer(t);
    const deqing = await server.login('deqing');
    const linping = await server.login('linping');
    const wall = await server.login('wall');
    const doc = `${DEMO_OP}/command`;
    // The old connection: still open on the server (as a half-open socket is until the liveness check drops it).
    const old = await connectClient(t, server.wsUrl, doc, deqing.token);
    old.provider.awareness.setLocalStateField('pointer', [120.3, 30.5]);
    const watcher = await connectClient(t, server.wsUrl, doc, wall.token);
    const id = old.doc.clientID;
    const pointerOf = () =>
      (watcher.provider.awareness.getStates().get(id) as { pointer?: number[] } | undefined)?.pointer;
    await eventually(() => pointerOf()?.[0] === 120.3, 5000, "the first connection's presence");

    // The same client on a new connection: the stock client keeps its client id and counts on.
    const clientOf = async (token: string, pointer: number[]) => {
      const d = new Y.Doc();
      d.clientID = id;
      const c = await connectClient(t, server.wsUrl, doc, token, { doc: d });
      while (c.provider.awareness.meta.get(id)!.clock <= old.provider.awareness.meta.get(id)!.clock)
        c.provider.awareness.setLocalStateField('pointer', pointer);
      c.provider.awareness.setLocalStateField('pointer', pointer);
      return c;
    };
    const stranger = await clientOf(linping.token, [0, 0]);
    await new Promise((r) => setTimeout(r, 300));
    expect(pointerOf()).toEqual([120.3, 30.5]);
    const reconnected = await clientOf(deqing.token, [120.31, 30.51]);
    await eventually(() => pointerOf()?.[0] === 120.31, 5000, "the new connection's presence");
    const user = (watcher.provider.awareness.getStates().get(id) as { user: { id: string } }).user;
    expect(user.id).toBe('u-deqing');
    stranger.destroy();

    // The old connection finally goes: the presence stays, held by the new one.
    old.destroy();
    await new Promise((r) => setTimeout(r, 500));
    expect(pointerOf()).toEqual([120.31, 30.51]);
    reconnected.destroy();
    await eventually(
      () => !watcher.provider.awareness.getStates().has(id),
      5000,
      'removed when the new connection leaves',
    );
  });
});

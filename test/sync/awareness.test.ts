import { describe, expect, test } from 'vitest';
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
});

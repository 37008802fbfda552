import { expect, test } from 'vitest';
import * as Y from 'yjs';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { connectClient, eventually } from '../helpers/sync-client.ts';

const DOC = `${DEMO_OP}/command`;
type Presence = { user?: { id: string; name: string }; pointer?: [number, number] };

test("a user of another station cannot take over a colleague's presence id while the colleague's link is down", async (t) => {
  const server = await startServer(t);
  const deqing = await server.login('deqing');
  const linping = await server.login('linping');
  const wall = await server.login('wall');
  const watcher = await connectClient(t, server.wsUrl, DOC, wall.token);

  // 禹越's console: its Y.Doc and awareness outlive a link drop, as the page keeps them.
  const victimDoc = new Y.Doc();
  const victim = await connectClient(t, server.wsUrl, DOC, deqing.token, { doc: victimDoc });
  const id = victimDoc.clientID;
  const seenFor = new Set<string>();
  const stateOf = () => watcher.provider.awareness.getStates().get(id) as Presence | undefined;
  watcher.provider.awareness.on('change', () => {
    const user = stateOf()?.user?.id;
    if (user) seenFor.add(user);
  });
  victim.provider.awareness.setLocalStateField('pointer', [120.3, 30.5]);
  await eventually(() => stateOf()?.user?.id === 'u-deqing', 5000, '禹越 visible');

  victim.provider.disconnect();
  await eventually(() => stateOf() === undefined, 5000, '禹越 removed');

  // 运河 publishes states for 禹越's client id with a clock far ahead.
  const attackerDoc = new Y.Doc();
  attackerDoc.clientID = id;
  const attacker = await connectClient(t, server.wsUrl, DOC, linping.token, { doc: attackerDoc });
  for (let i = 0; i < 200; i++) attacker.provider.awareness.setLocalStateField('pointer', [120 + i / 1e4, 30]);

  // 禹越's link comes back: the same page, the same awareness, moving its pointer.
  victim.provider.connect();
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 200));
    victim.provider.awareness.setLocalStateField('pointer', [120.31, 30.51 + i / 1e3]);
  }
  await eventually(() => Math.abs((stateOf()?.pointer?.[1] ?? 0) - 30.514) < 1e-9, 10_000, "禹越's latest pointer");
  expect(stateOf()?.user?.id).toBe('u-deqing');
  expect([...seenFor]).toEqual(['u-deqing']);
  const names = [...watcher.provider.awareness.getStates().values()].map((s) => (s as Presence).user?.id);
  expect(names).toEqual(expect.arrayContaining(['u-deqing']));
  expect(names).not.toContain('u-linping'); // its only client id was 禹越's
  expect((victim.provider.awareness.getLocalState() as Presence).user).toBeUndefined();
});

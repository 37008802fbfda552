import { expect, test } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { offlineCommanderSession } from './offline-session-harness.test-support.ts';

test("the user's own presence entry names the signed-in user even when a state relayed for its client id names another", () => {
  const session = offlineCommanderSession();
  const awareness = session.commandDoc.provider.awareness;
  // Another page publishing for our client id with a clock far ahead, stamped as 运河.
  const doc = new Y.Doc();
  doc.clientID = awareness.clientID;
  const other = new awarenessProtocol.Awareness(doc);
  const linping = { id: 'u-linping', name: '运河值班民警', role: 'dispatcher', stationId: 'linping-yunhe' };
  for (let i = 0; i < 200; i++) other.setLocalState({ pointer: [120 + i / 1e4, 30], user: linping });
  const update = awarenessProtocol.encodeAwarenessUpdate(other, [doc.clientID]);
  other.destroy();
  awarenessProtocol.applyAwarenessUpdate(awareness, update, 'server');

  const mine = session.presence.filter((p) => p.isMe);
  expect(mine).toHaveLength(1);
  expect(mine[0]!.user).toEqual({ id: 'u-cmd', name: '指挥', role: 'commander', stationId: null });
  expect(session.presence.some((p) => p.user.id === 'u-linping')).toBe(false);
});

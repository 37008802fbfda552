import { describe, expect, test } from 'vitest';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { connectClient, eventually } from '../helpers/sync-client.ts';

describe('awareness echoes', () => {
  // Stock y-websocket clients send every awareness change they receive back to the server. A
  // connection must control only the states it set itself, or one client leaving would remove
  // everybody's presence.
  test("a client that echoed others' states takes only its own state with it when it leaves", async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('commander');
    const doc = `${DEMO_OP}/command`;
    const a = await connectClient(t, server.wsUrl, doc, token);
    const b = await connectClient(t, server.wsUrl, doc, token);
    const c = await connectClient(t, server.wsUrl, doc, token);
    a.provider.awareness.setLocalState({ pointer: [120.3, 30.52] });
    b.provider.awareness.setLocalState({ pointer: [120.1, 30.4] });
    const hasPointer = (states: Map<number, Record<string, unknown>>, id: number) =>
      states.get(id)?.pointer !== undefined;
    await eventually(() => hasPointer(b.provider.awareness.getStates(), a.doc.clientID), 5000, 'b sees a');
    await eventually(() => hasPointer(c.provider.awareness.getStates(), b.doc.clientID), 5000, 'c sees b');
    // b has echoed a's state by now (it re-broadcasts what it receives); its close follows the echo.
    b.destroy();
    await eventually(() => !c.provider.awareness.getStates().has(b.doc.clientID), 5000, 'b gone for c');
    expect(hasPointer(c.provider.awareness.getStates(), a.doc.clientID)).toBe(true);
  });
});

import { expect, test } from 'vitest';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { openRaw } from '../helpers/raw-connection.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { connectClient } from '../helpers/sync-client.ts';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The route's keepalive: an awareness update with no states. */
const isKeepalive = (a: Uint8Array) => a.length === 1 && a[0] === 0;

test('the sync keepalive goes only to a socket that was sent nothing for 2 s: none while edits flow, one about every 2 s when idle', async (t) => {
  const server = await startServer(t);
  const doc = `${DEMO_OP}/deqing-yuyue`;
  const { token } = await server.login('deqing');
  const raw = openRaw(t, server, doc, token);
  await raw.opened;
  const writer = await connectClient(t, server.wsUrl, doc, token);

  // 5 s of edits, one every 400 ms: the raw socket is sent each of them.
  await pause(500);
  const before = raw.awareness.filter(isKeepalive).length;
  for (let i = 0; i < 12; i++) {
    writer.doc.getMap('annotations').set(`busy-${i}`, pointAnnotation(`busy-${i}`, `忙碌 ${i}`));
    await pause(400);
  }
  expect(raw.awareness.filter(isKeepalive).length - before).toBe(0);

  // Then 6 s with nothing to send: the keepalive keeps the link visibly alive.
  writer.destroy();
  const idleFrom = raw.awareness.filter(isKeepalive).length;
  await pause(6_000);
  const idle = raw.awareness.filter(isKeepalive).length - idleFrom;
  expect(idle).toBeGreaterThanOrEqual(2);
  expect(idle).toBeLessThanOrEqual(4);
  expect(raw.isOpen).toBe(true);
});

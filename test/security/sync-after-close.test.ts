import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { awarenessFrame, updateFrame } from '../helpers/raw-connection.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { DEMO_OP, startServer, type Teardown, type TestServer } from '../helpers/server.ts';
import { connectClient, eventually, type SyncClient } from '../helpers/sync-client.ts';

const DOC = `${DEMO_OP}/deqing-yuyue`;
const RAW_CLIENT_ID = 4242;

/**
 * A WebSocket client written on a bare TCP socket that never answers the server's close frame
 * (as a misbehaving or hostile client may): `ws` then keeps reading its frames until its close
 * timeout (30 s). It sends masked frames and notes whether the server has sent its close.
 */
interface Unanswering {
  closeReceived: boolean;
  sendBinary(data: Uint8Array): void;
  sendText(text: string): void;
}

function clientFrame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const n = payload.length;
  const header = n < 126 ? Buffer.from([0x80 | opcode, 0x80 | n]) : Buffer.alloc(4);
  if (n >= 126) {
    if (n > 0xffff) throw new Error('frame too large for this client');
    header[0] = 0x80 | opcode;
    header[1] = 0x80 | 126;
    header.writeUInt16BE(n, 2);
  }
  const masked = Buffer.alloc(n);
  for (let i = 0; i < n; i++) masked[i] = payload[i]! ^ mask[i % 4]!;
  return Buffer.concat([header, mask, masked]);
}

async function openUnanswering(t: Teardown, server: TestServer, doc: string, token: string): Promise<Unanswering> {
  const { hostname, port } = new URL(server.wsUrl);
  const tcp: Socket = connect(Number(port), hostname);
  t.onTestFinished(() => void tcp.destroy());
  const conn: Unanswering = {
    closeReceived: false,
    sendBinary: (data) => void tcp.write(clientFrame(0x2, Buffer.from(data))),
    sendText: (text) => void tcp.write(clientFrame(0x1, Buffer.from(text))),
  };
  let buffered = Buffer.alloc(0);
  let upgraded = false;
  await new Promise<void>((resolve, reject) => {
    tcp.on('error', reject);
    tcp.on('connect', () => {
      tcp.write(
        `GET /sync/${doc}?token=${encodeURIComponent(token)} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n` +
          `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`,
      );
    });
    tcp.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!upgraded) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!buffered.subarray(0, end).toString().startsWith('HTTP/1.1 101')) return reject(new Error('no upgrade'));
        upgraded = true;
        buffered = buffered.subarray(end + 4);
        resolve();
      }
      // Server frames (unmasked): only their opcodes matter here.
      for (;;) {
        if (buffered.length < 2) return;
        let len = buffered[1]! & 0x7f;
        let at = 2;
        if (len === 126) {
          if (buffered.length < 4) return;
          len = buffered.readUInt16BE(2);
          at = 4;
        } else if (len === 127) {
          if (buffered.length < 10) return;
          len = Number(buffered.readBigUInt64BE(2));
          at = 10;
        }
        if (buffered.length < at + len) return;
        if ((buffered[0]! & 0x0f) === 0x8) conn.closeReceived = true;
        buffered = buffered.subarray(at + len);
      }
    });
  });
  return conn;
}

/** An update adding annotation `id` (from a document of its own: it depends on nothing). */
function addition(id: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getMap('annotations').set(id, pointAnnotation(id, id));
  return Y.encodeStateAsUpdate(doc);
}

async function setUp(t: Teardown) {
  const server = await startServer(t);
  const deqing = await server.login('deqing');
  const observer = await connectClient(t, server.wsUrl, DOC, (await server.login('commander')).token);
  const raw = await openUnanswering(t, server, DOC, deqing.token);
  raw.sendBinary(awarenessFrame([[RAW_CLIENT_ID, 1, { pointer: [120.3, 30.5] }]]));
  raw.sendBinary(updateFrame(addition('before')));
  await eventually(() => observer.doc.getMap('annotations').has('before'), 10_000, 'the first edit');
  await eventually(() => observer.provider.awareness.getStates().has(RAW_CLIENT_ID), 10_000, 'its presence');
  return { server, deqing, observer, raw };
}

/** After the server closed it, nothing the raw client sends is stored or relayed, and its presence is gone. */
async function expectIgnoredAfterClose(server: TestServer, observer: SyncClient, raw: Unanswering) {
  await eventually(() => raw.closeReceived, 10_000, 'the server closes the socket');
  for (let i = 0; i < 5; i++) raw.sendBinary(updateFrame(addition(`after-${i}`)));
  raw.sendBinary(awarenessFrame([[RAW_CLIENT_ID, 2, { pointer: [121, 31] }]]));
  // Well within ws's 30-s close timeout: the presence goes with the close, not with the TCP socket.
  await eventually(() => !observer.provider.awareness.getStates().has(RAW_CLIENT_ID), 5_000, 'its presence removed');
  // An edit of the observer after them: once it is relayed back, the frames before were handled.
  observer.doc.getMap('annotations').set('sentinel', pointAnnotation('sentinel', 'sentinel'));
  const room = await server.ctx.rooms.get(DOC);
  await eventually(() => room.doc.getMap('annotations').has('sentinel'), 10_000, 'the sentinel');
  await new Promise((r) => setTimeout(r, 300));
  await room.idle();
  expect([...room.doc.getMap('annotations').keys()].sort()).toEqual(['before', 'sentinel']);
  expect(observer.doc.getMap('annotations').has('after-0')).toBe(false);
}

describe('a sync connection the server closed takes nothing more', () => {
  test('after its session ended (sign-out), edits from a client ignoring the close are not stored', async (t) => {
    const { server, deqing, observer, raw } = await setUp(t);
    const res = await fetch(`${server.url}/api/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${deqing.token}` },
    });
    expect(res.status).toBe(204);
    await expectIgnoredAfterClose(server, observer, raw);
  });

  test('after a refused text frame, edits from a client ignoring the close are not stored', async (t) => {
    const { server, observer, raw } = await setUp(t);
    raw.sendText('hello');
    await expectIgnoredAfterClose(server, observer, raw);
  });
});

import { Writable } from 'node:stream';
import { expect, test } from 'vitest';
import * as ws from 'ws';
import { binaryFrame, MERGED_FRAME_MAX_BYTES, writeBinary } from './ws-frame.ts';

/** `ws`'s own frame parser, as a client runs it (exported by the package, not declared by @types/ws). */
type ReceiverLike = Writable & { on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void };
const { Receiver } = ws as unknown as { Receiver: new (options: object) => ReceiverLike };

/** What a client's `ws` reads from the bytes `write` puts on a socket. */
function received(write: (tcp: Writable) => void): { messages: Buffer[]; chunks: number; errors: Error[] } {
  const receiver = new Receiver({ isServer: false, binaryType: 'nodebuffer', maxPayload: 0 });
  const messages: Buffer[] = [];
  const errors: Error[] = [];
  receiver.on('message', (data, isBinary) => {
    expect(isBinary).toBe(true);
    messages.push(Buffer.from(data));
  });
  receiver.on('error', (err: Error) => errors.push(err));
  let chunks = 0;
  const tcp = new Writable({
    writev(parts, done) {
      chunks += parts.length;
      for (const { chunk } of parts) receiver.write(chunk);
      done();
    },
    write(chunk, _encoding, done) {
      chunks++;
      receiver.write(chunk);
      done();
    },
  });
  write(tcp);
  return { messages, chunks, errors };
}

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

test('every payload length (the 7-bit, 16-bit and 64-bit length forms) reads back as the same binary message', () => {
  const sizes = [0, 1, 125, 126, 127, 65_535, MERGED_FRAME_MAX_BYTES, MERGED_FRAME_MAX_BYTES + 1, 200_000];
  const sent = sizes.map((n, i) => bytes(n, i));
  const { messages, errors } = received((tcp) => sent.forEach((m) => writeBinary(tcp, m)));
  expect(errors).toEqual([]);
  expect(messages.map((m) => m.byteLength)).toEqual(sizes);
  messages.forEach((m, i) => expect(m.equals(sent[i]!), `message of ${sizes[i]} bytes`).toBe(true));
});

test('a view into a larger buffer is framed from its own bytes only', () => {
  const backing = bytes(1_000);
  const view = backing.subarray(100, 350);
  const { messages } = received((tcp) => writeBinary(tcp, view));
  expect(new Uint8Array(messages[0]!)).toEqual(backing.slice(100, 350));
});

test('a message sent to many sockets is framed once and written as one chunk; the next message gets its own frame', () => {
  const first = bytes(300, 1);
  const frame = binaryFrame(first);
  expect(binaryFrame(first)).toBe(frame);
  const { chunks, messages } = received((tcp) => {
    for (let i = 0; i < 3; i++) writeBinary(tcp, first);
  });
  expect(chunks).toBe(3);
  expect(messages).toHaveLength(3);
  // Equal bytes in another array are another message: framed anew, not found by content.
  const again = bytes(300, 1);
  expect(binaryFrame(again)).not.toBe(frame);
  const second = bytes(300, 2);
  expect(new Uint8Array(received((tcp) => writeBinary(tcp, second)).messages[0]!)).toEqual(second);
});

test('a large message is written as header and payload without copying the payload', () => {
  const big = bytes(MERGED_FRAME_MAX_BYTES + 10);
  const written: Buffer[] = [];
  const tcp = new Writable({
    writev(parts, done) {
      for (const { chunk } of parts) written.push(chunk as Buffer);
      done();
    },
  });
  writeBinary(tcp, big);
  expect(written).toHaveLength(2);
  expect(written[1]!.buffer).toBe(big.buffer);
});

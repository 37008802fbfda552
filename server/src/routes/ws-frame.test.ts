import { Writable } from 'node:stream';
import { expect, test } from 'vitest';
import * as ws from 'ws';
import { binaryFrame, fragmentFrame, MERGED_FRAME_MAX_BYTES, writeBinary } from './ws-frame.ts';

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

/** Opcode, FIN, mask bit and payload length a frame header states. */
function headerOf(header: Buffer): { opcode: number; fin: boolean; masked: boolean; length: number; size: number } {
  const short = header[1]! & 0x7f;
  const [length, size] =
    short === 126 ? [header.readUInt16BE(2), 4] : short === 127 ? [Number(header.readBigUInt64BE(2)), 10] : [short, 2];
  return { opcode: header[0]! & 0x0f, fin: (header[0]! & 0x80) !== 0, masked: (header[1]! & 0x80) !== 0, length, size };
}

test('a message in fragments: a binary frame, then continuation frames, the last one final; unmasked; every length form', () => {
  // Fragment payloads at the edges of the 7-bit, 16-bit and 64-bit length forms.
  const sizes = [125, 126, 65_535, 65_536, 1];
  const data = bytes(sizes.reduce((a, b) => a + b, 0));
  let start = 0;
  const frames = sizes.map((n) => fragmentFrame(data, start, (start += n)));
  expect(frames.map(([header]) => headerOf(header))).toEqual([
    { opcode: 2, fin: false, masked: false, length: 125, size: 2 },
    { opcode: 0, fin: false, masked: false, length: 126, size: 4 },
    { opcode: 0, fin: false, masked: false, length: 65_535, size: 4 },
    { opcode: 0, fin: false, masked: false, length: 65_536, size: 10 },
    { opcode: 0, fin: true, masked: false, length: 1, size: 2 },
  ]);
  // The payloads are views of the message, not copies.
  for (const [header, payload] of frames) {
    expect(header[0]! & 0x70).toBe(0);
    expect(payload.buffer).toBe(data.buffer);
  }
  // A client's `ws` reads them as the one message; a ping between two fragments is answered at once.
  const receiver = new Receiver({ isServer: false, binaryType: 'nodebuffer', maxPayload: 0 });
  const events: string[] = [];
  const messages: Buffer[] = [];
  receiver.on('message', (message) => {
    events.push('message');
    messages.push(Buffer.from(message));
  });
  (receiver as unknown as NodeJS.EventEmitter).on('ping', () => events.push('ping'));
  receiver.on('error', (err: Error) => events.push(`error: ${err.message}`));
  const ping = Buffer.from([0x89, 0x00]);
  frames.forEach(([header, payload], i) => {
    receiver.write(header);
    receiver.write(payload);
    if (i === 1) receiver.write(ping);
  });
  expect(events).toEqual(['ping', 'message']);
  expect(messages[0]!.equals(data)).toBe(true);
});

test('a fragment of a view into a larger buffer holds its own bytes only', () => {
  const backing = bytes(1_000);
  const view = backing.subarray(100, 400);
  const [first, second] = [fragmentFrame(view, 0, 200), fragmentFrame(view, 200, 300)];
  expect(new Uint8Array(first[1])).toEqual(backing.slice(100, 300));
  expect(new Uint8Array(second[1])).toEqual(backing.slice(300, 400));
  expect(headerOf(second[0]).fin).toBe(true);
});

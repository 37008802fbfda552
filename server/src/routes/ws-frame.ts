import type { Writable } from 'node:stream';
import { Sender } from 'ws';

declare module 'ws' {
  /** `ws`'s frame writer: exported by the package (`WebSocket.Sender`), not declared by @types/ws. */
  class Sender {
    static frame(
      data: Buffer,
      options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean },
    ): Buffer[];
  }
}

const BINARY = 0x02;
const CONTINUATION = 0x00;
/** Larger messages (a joiner's state, a snapshot) are written as header and payload, not copied. */
export const MERGED_FRAME_MAX_BYTES = 64 * 1024;
/**
 * Messages up to this go out in one frame. Larger ones (a joiner's answer) are sent as a
 * fragmented message (RFC 6455 §5.4) of FRAGMENT_BYTES pieces, each written once the socket took
 * the previous one, so that the server's pings go out between them (`route-socket.ts`).
 */
export const WHOLE_MESSAGE_MAX_BYTES = 256 * 1024;
export const FRAGMENT_BYTES = 64 * 1024;

let lastData: Uint8Array | null = null;
let lastFrame: Buffer = Buffer.alloc(0);

/** Header and payload of `data` as one unmasked, final binary frame (a server's), framed by `ws`. */
function frameParts(data: Uint8Array): [Buffer, Buffer] {
  const payload = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const [header] = Sender.frame(payload, { fin: true, opcode: BINARY, mask: false, readOnly: true, rsv1: false });
  return [header!, payload];
}

/**
 * `data` (up to MERGED_FRAME_MAX_BYTES) as one WebSocket frame in one buffer. `ws.send` frames a
 * message again for every socket it goes to and writes header and payload as two chunks; a room
 * sends one message to every other connection, so the frame of the last message is kept and
 * written whole to each socket (the broadcast `ws`'s maintainers suggest, websockets/ws#617). The
 * frame is found by identity: a message must not change once sent.
 */
export function binaryFrame(data: Uint8Array): Buffer {
  if (data === lastData) return lastFrame;
  const [header, payload] = frameParts(data);
  lastFrame = Buffer.concat([header, payload]);
  lastData = data;
  return lastFrame;
}

/**
 * Write `data` as one binary WebSocket message to the TCP socket of a connection whose `ws` has
 * no compression: `ws` then writes each of its own frames at once, so the frames of both writers
 * stay whole and in order.
 */
export function writeBinary(tcp: Writable, data: Uint8Array): void {
  if (data.byteLength <= MERGED_FRAME_MAX_BYTES) {
    tcp.write(binaryFrame(data));
    return;
  }
  const [header, payload] = frameParts(data);
  tcp.cork();
  tcp.write(header);
  tcp.write(payload);
  tcp.uncork();
}

/**
 * Header and payload of the fragment of `data` from `start` to `end` (a server's: unmasked): the
 * first fragment is a binary frame, the others continuation frames, and the one reaching the end
 * of `data` is final. The payload is a view of `data`, not a copy.
 */
export function fragmentFrame(data: Uint8Array, start: number, end: number): [Buffer, Buffer] {
  const payload = Buffer.from(data.buffer, data.byteOffset + start, end - start);
  const opcode = start === 0 ? BINARY : CONTINUATION;
  const fin = end === data.byteLength;
  const [header] = Sender.frame(payload, { fin, opcode, mask: false, readOnly: true, rsv1: false });
  return [header!, payload];
}

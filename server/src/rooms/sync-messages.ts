import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/** Top-level message types of the y-websocket protocol. */
export const MessageType = { sync: 0, awareness: 1, auth: 2, queryAwareness: 3 } as const;
/** Sync sub-types (y-protocols/sync). */
export const SyncType = { step1: 0, step2: 1, update: 2 } as const;

export type InboundMessage =
  | { type: 'syncStep1'; stateVector: Uint8Array }
  | { type: 'syncStep2'; update: Uint8Array }
  | { type: 'update'; update: Uint8Array }
  | { type: 'awareness'; update: Uint8Array }
  | { type: 'queryAwareness' }
  | { type: 'auth' };

/** Decode one client message; throws on anything malformed or trailing garbage. */
export function decodeMessage(data: Uint8Array): InboundMessage {
  const d = decoding.createDecoder(data);
  const type = decoding.readVarUint(d);
  let msg: InboundMessage;
  switch (type) {
    case MessageType.sync: {
      const sub = decoding.readVarUint(d);
      const payload = decoding.readVarUint8Array(d);
      if (sub === SyncType.step1) msg = { type: 'syncStep1', stateVector: payload };
      else if (sub === SyncType.step2) msg = { type: 'syncStep2', update: payload };
      else if (sub === SyncType.update) msg = { type: 'update', update: payload };
      else throw new Error(`unknown sync message ${sub}`);
      break;
    }
    case MessageType.awareness:
      msg = { type: 'awareness', update: decoding.readVarUint8Array(d) };
      break;
    case MessageType.queryAwareness:
      msg = { type: 'queryAwareness' };
      break;
    case MessageType.auth:
      msg = { type: 'auth' };
      return msg;
    default:
      throw new Error(`unknown message type ${type}`);
  }
  if (decoding.hasContent(d)) throw new Error('trailing bytes after message');
  return msg;
}

/**
 * A message as a Buffer (a view, no copy): the WebSocket layer sends Buffers as they are, where it
 * would wrap a plain Uint8Array once per recipient of a message relayed to many.
 */
function encode(write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  write(e);
  const bytes = encoding.toUint8Array(e);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * `head` (message types, each below 128: one varuint byte) and `payload` as a length-prefixed byte
 * array, the bytes lib0's encoder writes, in one Buffer of exactly that size (as `encode` makes,
 * for the same reason). lib0's encoder starts with 100 bytes, grows into a second buffer, and
 * copies both into a third: three allocations and two copies of every update relayed.
 */
function withPayload(head: readonly number[], payload: Uint8Array): Uint8Array {
  const len = payload.byteLength;
  let lenBytes = 1;
  for (let n = len; n > 0x7f; n = Math.floor(n / 128)) lenBytes++;
  const out = Buffer.allocUnsafeSlow(head.length + lenBytes + len);
  let pos = 0;
  for (; pos < head.length; pos++) out[pos] = head[pos]!;
  let n = len;
  for (; n > 0x7f; n = Math.floor(n / 128)) out[pos++] = 0x80 | (n & 0x7f);
  out[pos++] = n;
  out.set(payload, pos);
  return out;
}

const SYNC_STEP1 = [MessageType.sync, SyncType.step1] as const;
const SYNC_STEP2 = [MessageType.sync, SyncType.step2] as const;
const SYNC_UPDATE = [MessageType.sync, SyncType.update] as const;
const AWARENESS = [MessageType.awareness] as const;

export const encodeSyncStep1 = (stateVector: Uint8Array) => withPayload(SYNC_STEP1, stateVector);
export const encodeSyncStep2 = (update: Uint8Array) => withPayload(SYNC_STEP2, update);
export const encodeUpdate = (update: Uint8Array) => withPayload(SYNC_UPDATE, update);
export const encodeAwareness = (update: Uint8Array) => withPayload(AWARENESS, update);

/** y-protocols/auth "permission denied" with a reason; stock clients log it. */
export const encodePermissionDenied = (reason: string) =>
  encode((e) => {
    encoding.writeVarUint(e, MessageType.auth);
    encoding.writeVarUint(e, 0);
    encoding.writeVarString(e, reason);
  });

/** An encoded state vector with no clients: the joiner has nothing yet. */
export function isEmptyStateVector(sv: Uint8Array): boolean {
  return sv.length === 1 && sv[0] === 0;
}

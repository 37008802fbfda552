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

export const encodeSyncStep1 = (stateVector: Uint8Array) =>
  encode((e) => {
    encoding.writeVarUint(e, MessageType.sync);
    encoding.writeVarUint(e, SyncType.step1);
    encoding.writeVarUint8Array(e, stateVector);
  });

export const encodeSyncStep2 = (update: Uint8Array) =>
  encode((e) => {
    encoding.writeVarUint(e, MessageType.sync);
    encoding.writeVarUint(e, SyncType.step2);
    encoding.writeVarUint8Array(e, update);
  });

export const encodeUpdate = (update: Uint8Array) =>
  encode((e) => {
    encoding.writeVarUint(e, MessageType.sync);
    encoding.writeVarUint(e, SyncType.update);
    encoding.writeVarUint8Array(e, update);
  });

export const encodeAwareness = (update: Uint8Array) =>
  encode((e) => {
    encoding.writeVarUint(e, MessageType.awareness);
    encoding.writeVarUint8Array(e, update);
  });

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

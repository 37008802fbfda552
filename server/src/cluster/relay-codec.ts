import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { RelayMessage } from '../rooms/relay-port.ts';

/** Wire tags of relay messages (stable: instances of one deployment must agree). */
const TAG = { update: 0, head: 1, awareness: 2, awarenessQuery: 3 } as const;

/** One relay message as published on Redis: the sending instance's id, then the message. */
export function encodeRelayMessage(instance: string, message: RelayMessage): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, instance);
  encoding.writeVarUint(e, TAG[message.type]);
  switch (message.type) {
    case 'update':
      encoding.writeVarUint(e, message.seq);
      encoding.writeVarUint8Array(e, message.update);
      break;
    case 'head':
      encoding.writeVarUint(e, message.seq);
      break;
    case 'awareness':
      encoding.writeVarUint8Array(e, message.update);
      break;
    case 'awarenessQuery':
      break;
  }
  return encoding.toUint8Array(e);
}

/** Decode what `encodeRelayMessage` wrote; throws on anything else. */
export function decodeRelayMessage(data: Uint8Array): { instance: string; message: RelayMessage } {
  const d = decoding.createDecoder(data);
  const instance = decoding.readVarString(d);
  const tag = decoding.readVarUint(d);
  let message: RelayMessage;
  switch (tag) {
    case TAG.update: {
      const seq = decoding.readVarUint(d);
      message = { type: 'update', seq, update: decoding.readVarUint8Array(d) };
      break;
    }
    case TAG.head:
      message = { type: 'head', seq: decoding.readVarUint(d) };
      break;
    case TAG.awareness:
      message = { type: 'awareness', update: decoding.readVarUint8Array(d) };
      break;
    case TAG.awarenessQuery:
      message = { type: 'awarenessQuery' };
      break;
    default:
      throw new Error(`unknown relay message tag ${tag}`);
  }
  return { instance, message };
}

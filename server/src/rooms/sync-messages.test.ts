import * as encoding from 'lib0/encoding';
import { describe, expect, test } from 'vitest';
import {
  decodeMessage,
  encodeAwareness,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeUpdate,
  MessageType,
  SyncType,
} from './sync-messages.ts';

/** The message as y-protocols writes it, with lib0's encoder. */
function viaLib0(head: number[], payload: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  for (const byte of head) encoding.writeVarUint(e, byte);
  encoding.writeVarUint8Array(e, payload);
  return encoding.toUint8Array(e);
}

/** Payloads around each length where the length's varuint takes one more byte. */
const LENGTHS = [0, 1, 99, 100, 127, 128, 129, 16_383, 16_384, 2_097_151, 2_097_152];
const payload = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff);

describe('messages a room sends', () => {
  test.each(LENGTHS)('a payload of %i bytes: the bytes lib0 writes, as a Buffer', (n) => {
    const bytes = payload(n);
    const cases: Array<[(p: Uint8Array) => Uint8Array, number[]]> = [
      [encodeSyncStep1, [MessageType.sync, SyncType.step1]],
      [encodeSyncStep2, [MessageType.sync, SyncType.step2]],
      [encodeUpdate, [MessageType.sync, SyncType.update]],
      [encodeAwareness, [MessageType.awareness]],
    ];
    for (const [encode, head] of cases) {
      const message = encode(bytes);
      expect(Buffer.isBuffer(message)).toBe(true);
      expect(Buffer.from(message).equals(Buffer.from(viaLib0(head, bytes)))).toBe(true);
    }
  });

  test('what it sends, it reads back', () => {
    const update = payload(300);
    expect(decodeMessage(encodeUpdate(update))).toEqual({ type: 'update', update });
    expect(decodeMessage(encodeSyncStep2(update))).toEqual({ type: 'syncStep2', update });
    expect(decodeMessage(encodeSyncStep1(update.subarray(0, 5)))).toEqual({
      type: 'syncStep1',
      stateVector: update.subarray(0, 5),
    });
    expect(decodeMessage(encodeAwareness(update))).toEqual({ type: 'awareness', update });
  });

  test('a payload that is a view into a larger buffer is copied from its own bytes only', () => {
    const whole = payload(1000);
    const view = whole.subarray(200, 450);
    expect(Buffer.from(encodeUpdate(view)).equals(Buffer.from(viaLib0([0, 2], view)))).toBe(true);
  });
});

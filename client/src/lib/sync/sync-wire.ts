/**
 * The few bytes of the y-websocket protocol the client writes itself (lib0's encoder is not a
 * dependency of the client): a varuint is 7 bits a byte, low bits first, high bit = more follows.
 */
function writeVarUint(out: number[], n: number): void {
  while (n > 0x7f) {
    out.push(0x80 | (n & 0x7f));
    n = Math.floor(n / 128);
  }
  out.push(n);
}

/** `[messageSync=0, syncStep1=0, varUint8Array(stateVector)]`, as y-protocols' writeSyncStep1 writes it. */
export function encodeSyncStep1(stateVector: Uint8Array): Uint8Array {
  const head: number[] = [0, 0];
  writeVarUint(head, stateVector.byteLength);
  const out = new Uint8Array(head.length + stateVector.byteLength);
  out.set(head);
  out.set(stateVector, head.length);
  return out;
}

/**
 * The state vector carried by a sync step 1 whose body (after the message type and sub-type)
 * starts at `pos` of `frame`: a varuint length, then the bytes. Null when the frame is cut short.
 */
export function readStateVector(frame: Uint8Array, pos: number): Uint8Array | null {
  return readVarBytes(frame, pos);
}

/**
 * The reason of an auth message `[messageAuth=2, permissionDenied=0, varString(reason)]`, as
 * y-protocols' readAuthMessage reads it; null for any other frame.
 */
export function readPermissionDenied(frame: Uint8Array): string | null {
  if (frame[0] !== 2 || frame[1] !== 0) return null;
  const text = readVarBytes(frame, 2);
  return text && new TextDecoder().decode(text);
}

/** A varuint length at `pos`, then that many bytes; null when the frame is cut short. */
function readVarBytes(frame: Uint8Array, pos: number): Uint8Array | null {
  let length = 0;
  let shift = 0;
  for (;;) {
    const byte = frame[pos++];
    if (byte === undefined) return null;
    length += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) break;
  }
  return pos + length <= frame.length ? frame.slice(pos, pos + length) : null;
}

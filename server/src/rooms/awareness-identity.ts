import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

export interface VerifiedUser {
  id: string;
  name: string;
  role: string;
  stationId: string | null;
}

/**
 * Rewrite an awareness update so that every state it carries names the session's verified user:
 * a client cannot appear online as somebody else. Returns the rewritten update and the client ids
 * it mentions (so they can be removed when the connection closes).
 */
export function stampAwarenessIdentity(update: Uint8Array, user: VerifiedUser): { update: Uint8Array; clientIds: number[] } {
  const d = decoding.createDecoder(update);
  const e = encoding.createEncoder();
  const count = decoding.readVarUint(d);
  if (count > 1000) throw new Error('too many awareness states');
  encoding.writeVarUint(e, count);
  const clientIds: number[] = [];
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(d);
    const clock = decoding.readVarUint(d);
    const json = decoding.readVarString(d);
    const state = JSON.parse(json) as unknown;
    let out = state;
    if (state !== null) {
      if (typeof state !== 'object' || Array.isArray(state)) throw new Error('awareness state must be an object or null');
      out = { ...(state as Record<string, unknown>), user };
    }
    clientIds.push(clientId);
    encoding.writeVarUint(e, clientId);
    encoding.writeVarUint(e, clock);
    encoding.writeVarString(e, JSON.stringify(out));
  }
  if (decoding.hasContent(d)) throw new Error('trailing bytes in awareness update');
  return { update: encoding.toUint8Array(e), clientIds };
}

import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

const textDecoder = new TextDecoder();

/** The state is the JSON text `null` (a removal). */
const isNullState = (b: Uint8Array): boolean =>
  b.length === 4 && b[0] === 0x6e && b[1] === 0x75 && b[2] === 0x6c && b[3] === 0x6c;

export interface VerifiedUser {
  id: string;
  name: string;
  role: string;
  stationId: string | null;
}

/** The last state each client id sent (as sent, and as stamped for `user`): see `stampAwarenessIdentity`. */
export type StampCache = Map<number, { raw: string; user: VerifiedUser; json: string }>;

/**
 * Rewrite an awareness update so that every state it carries names the session's verified user:
 * a client cannot appear online as somebody else. States for which `keep(clientId, clock, state is
 * null, its length in bytes)` is false are dropped without parsing their JSON: those the awareness
 * would ignore anyway (stock y-websocket clients echo every remote awareness change back to the
 * server), and those over the caller's limits. Returns the rewritten update (null when nothing is
 * left) and the client ids it keeps.
 */
export function stampAwarenessIdentity(
  update: Uint8Array,
  user: VerifiedUser,
  keep: (clientId: number, clock: number, isNull: boolean, bytes: number) => boolean = () => true,
  cache?: StampCache,
): { update: Uint8Array | null; clientIds: number[] } {
  const d = decoding.createDecoder(update);
  const count = decoding.readVarUint(d);
  if (count > 1000) throw new Error('too many awareness states');
  const kept: { clientId: number; clock: number; json: string }[] = [];
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(d);
    const clock = decoding.readVarUint(d);
    // The state's bytes, not yet decoded: an echo (not newer) is skipped without decoding its text.
    const bytes = decoding.readVarUint8Array(d);
    if (!keep(clientId, clock, isNullState(bytes), bytes.byteLength)) continue;
    const json = textDecoder.decode(bytes);
    // A renewal (the same state with a newer clock, every 15 s from every client) is stamped once.
    const known = cache?.get(clientId);
    if (known && known.raw === json && known.user === user) {
      kept.push({ clientId, clock, json: known.json });
      continue;
    }
    const state = JSON.parse(json) as unknown;
    let out = state;
    if (state !== null) {
      if (typeof state !== 'object' || Array.isArray(state))
        throw new Error('awareness state must be an object or null');
      out = { ...(state as Record<string, unknown>), user };
    }
    const stamped = JSON.stringify(out);
    if (cache && state !== null) cache.set(clientId, { raw: json, user, json: stamped });
    kept.push({ clientId, clock, json: stamped });
  }
  if (decoding.hasContent(d)) throw new Error('trailing bytes in awareness update');
  if (kept.length === 0) return { update: null, clientIds: [] };
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, kept.length);
  for (const k of kept) {
    encoding.writeVarUint(e, k.clientId);
    encoding.writeVarUint(e, k.clock);
    encoding.writeVarString(e, k.json);
  }
  return { update: encoding.toUint8Array(e), clientIds: kept.map((k) => k.clientId) };
}

import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/** A top-level entry an update writes: the root type's name and, for a map entry, its key. */
export interface RootEntry {
  root: string;
  /** The map key (`parentSub`); null for list content of the root. */
  key: string | null;
  /** Its struct: id, length in clock units, and where its bytes are in the update. */
  client: number;
  clock: number;
  length: number;
  start: number;
  end: number;
}

/** A range of deleted clocks of one client, as an update's delete set lists it. */
export interface DeletedRange {
  client: number;
  clock: number;
  len: number;
}

/** What a v1 update touches, read without applying it (and without building Yjs structs). */
export interface UpdateScan {
  /** Items that name a root type as their parent (the only place Yjs writes names and keys that it keeps forever). */
  rootEntries: RootEntry[];
  /** Items whose parent is a nested shared type (never valid in our documents; repaired after applying). */
  nestedItems: number;
  /** Per client, the end (exclusive) of the clocks its structs cover; Skip structs carry nothing and are left out. */
  ends: Map<number, number>;
  deletes: DeletedRange[];
}

// Struct and content references of the Yjs v1 update format (yjs/src/utils/encoding.js, structs/*.js).
const GC_REF = 0;
const SKIP_REF = 10;
const BITS5 = 31;
const HAS_ORIGIN = 128;
const HAS_RIGHT_ORIGIN = 64;
const HAS_PARENT_SUB = 32;
/** Type refs of ContentType that carry a node name (YXmlElement, YXmlHook); refs above 6 do not exist. */
const NAMED_TYPE_REFS = new Set([3, 5]);
const MAX_TYPE_REF = 6;

/**
 * Read a Yjs v1 update (the y-websocket protocol's format) the way Yjs's own decoder reads it, but
 * keep only what the room's guards need: the root names and map keys it writes, the clock ranges it
 * covers and its delete set. Content is stepped over, not interpreted. Throws on anything Yjs could
 * not decode either (truncated, unknown struct or type reference).
 *
 * @example
 * const scan = scanUpdate(update); // { rootEntries: [{ root: 'annotations', key: 'a-1' }], … }
 */
export function scanUpdate(update: Uint8Array): UpdateScan {
  const d = decoding.createDecoder(update);
  const scan: UpdateScan = { rootEntries: [], nestedItems: 0, ends: new Map(), deletes: [] };
  const groups = decoding.readVarUint(d);
  for (let g = 0; g < groups; g++) {
    const structs = decoding.readVarUint(d);
    const client = decoding.readVarUint(d);
    let clock = decoding.readVarUint(d);
    let end = scan.ends.get(client) ?? 0;
    for (let i = 0; i < structs; i++) {
      if (d.pos >= update.length) throw new Error('unexpected end of update');
      const start = d.pos;
      const info = decoding.readUint8(d);
      const ref = info & BITS5;
      if (ref === SKIP_REF) {
        clock += decoding.readVarUint(d);
        continue;
      }
      if (ref === GC_REF) clock += decoding.readVarUint(d);
      else {
        if (info & HAS_ORIGIN) skipId(d);
        if (info & HAS_RIGHT_ORIGIN) skipId(d);
        // Neither origin: the parent is written out (else it is the origin's parent, already known or in this update).
        let entry: RootEntry | null = null;
        if ((info & (HAS_ORIGIN | HAS_RIGHT_ORIGIN)) === 0) {
          const parentIsRoot = decoding.readVarUint(d) === 1;
          const root = parentIsRoot ? decoding.readVarString(d) : (skipId(d), null);
          const key = info & HAS_PARENT_SUB ? decoding.readVarString(d) : null;
          if (root !== null) scan.rootEntries.push((entry = { root, key, client, clock, length: 0, start, end: 0 }));
          else scan.nestedItems++;
        }
        const length = skipContent(d, ref);
        if (entry) {
          entry.length = length;
          entry.end = d.pos;
        }
        clock += length;
      }
      end = Math.max(end, clock);
    }
    if (end > 0) scan.ends.set(client, end);
  }
  // The delete set (v1: plain varuints).
  const clients = decoding.readVarUint(d);
  for (let c = 0; c < clients; c++) {
    const client = decoding.readVarUint(d);
    const ranges = decoding.readVarUint(d);
    for (let r = 0; r < ranges; r++) {
      const clock = decoding.readVarUint(d);
      const len = decoding.readVarUint(d);
      scan.deletes.push({ client, clock, len });
    }
  }
  return scan;
}

function skipId(d: decoding.Decoder): void {
  decoding.readVarUint(d);
  decoding.readVarUint(d);
}

/** Step over an item's content; returns its length in clock units (Yjs `content.getLength()`). */
function skipContent(d: decoding.Decoder, ref: number): number {
  switch (ref) {
    case 1: // ContentDeleted
      return decoding.readVarUint(d);
    case 2: {
      // ContentJSON: stringified values
      const len = decoding.readVarUint(d);
      for (let i = 0; i < len; i++) skipVarBytes(d);
      return len;
    }
    case 3: // ContentBinary
      skipVarBytes(d);
      return 1;
    case 4: // ContentString: its length counts UTF-16 code units
      return decoding.readVarString(d).length;
    case 5: // ContentEmbed
      skipVarBytes(d);
      return 1;
    case 6: // ContentFormat: key, JSON value
      skipVarBytes(d);
      skipVarBytes(d);
      return 1;
    case 7: {
      // ContentType
      const typeRef = decoding.readVarUint(d);
      if (typeRef > MAX_TYPE_REF) throw new Error(`unknown type reference ${typeRef}`);
      if (NAMED_TYPE_REFS.has(typeRef)) skipVarBytes(d);
      return 1;
    }
    case 8: {
      // ContentAny
      const len = decoding.readVarUint(d);
      for (let i = 0; i < len; i++) skipAny(d);
      return len;
    }
    case 9: // ContentDoc: guid, options
      skipVarBytes(d);
      skipAny(d);
      return 1;
    default:
      throw new Error(`unknown content reference ${ref}`);
  }
}

/** Step over one lib0 `writeAny` value without building it (lib0/decoding `readAny`, cases 127…116). */
function skipAny(d: decoding.Decoder): void {
  const type = decoding.readUint8(d);
  switch (type) {
    case 127: // undefined
    case 126: // null
    case 121: // false
    case 120: // true
      return;
    case 125:
      decoding.readVarInt(d);
      return;
    case 124: // float32
      return skipBytes(d, 4);
    case 123: // float64
    case 122: // bigint64
      return skipBytes(d, 8);
    case 119: // string
    case 116: // Uint8Array
      skipVarBytes(d);
      return;
    case 118: {
      // object: key, value pairs
      const len = decoding.readVarUint(d);
      for (let i = 0; i < len; i++) {
        skipVarBytes(d);
        skipAny(d);
      }
      return;
    }
    case 117: {
      const len = decoding.readVarUint(d);
      for (let i = 0; i < len; i++) skipAny(d);
      return;
    }
    default:
      throw new Error(`unknown value type ${type}`);
  }
}

/**
 * Step over a length-prefixed byte string (a string, a key, binary content) where lib0's
 * `readVarUint8Array` would make a view of it: one object per string of every record written,
 * dropped at once. Refused as lib0 refuses it (a length past the end).
 */
function skipVarBytes(d: decoding.Decoder): void {
  const n = decoding.readVarUint(d);
  if (n > d.arr.length - d.pos) throw new Error('Unexpected end of array');
  d.pos += n;
}

function skipBytes(d: decoding.Decoder, n: number): void {
  if (d.pos + n > d.arr.length) throw new Error('unexpected end of update');
  d.pos += n;
}

/**
 * The update with each of `entries` (from its scan, in order) replaced by a GC struct of the same
 * id and length: what Yjs itself leaves of garbage-collected content. The client's clock stays
 * contiguous (its later updates apply), but no root name, key or content of those entries remains;
 * items that build on them become GC structs too when Yjs integrates them.
 */
export function replaceWithGc(update: Uint8Array, entries: readonly RootEntry[]): Uint8Array {
  const e = encoding.createEncoder();
  let at = 0;
  for (const entry of entries) {
    encoding.writeUint8Array(e, update.subarray(at, entry.start));
    encoding.writeUint8(e, GC_REF);
    encoding.writeVarUint(e, entry.length);
    at = entry.end;
  }
  encoding.writeUint8Array(e, update.subarray(at));
  return encoding.toUint8Array(e);
}

/** A v1 update that carries only deletions of `ranges` (no structs). */
export function deletionsUpdate(ranges: ReadonlyArray<{ client: number; clock: number; length: number }>): Uint8Array {
  const byClient = new Map<number, Array<{ clock: number; length: number }>>();
  for (const r of ranges) byClient.set(r.client, [...(byClient.get(r.client) ?? []), r]);
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, byClient.size);
  for (const [client, list] of byClient) {
    encoding.writeVarUint(e, client);
    encoding.writeVarUint(e, list.length);
    for (const r of list.sort((a, b) => a.clock - b.clock)) {
      encoding.writeVarUint(e, r.clock);
      encoding.writeVarUint(e, r.length);
    }
  }
  return encoding.toUint8Array(e);
}

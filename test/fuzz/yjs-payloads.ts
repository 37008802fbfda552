/**
 * Well-formed Yjs updates that carry only schema-invalid content (so the server must refuse or
 * repair every one of them), their mangled variants, and awareness payloads from plausible to
 * garbage. Every string we invent carries MARKER, so storage can be searched for it afterwards.
 */
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import type { Random } from '../helpers/random.ts';

/** Appears in every string the fuzzer makes up; must never be found in storage. */
export const MARKER = 'zq7FUZZq7z';

const MAPS = ['annotations', 'units', 'tasks', 'responses', 'sectors', 'searches', 'meta', 'zones', MARKER];

export const randomBytes = (rng: Random, n: number): Uint8Array => Uint8Array.from({ length: n }, () => rng.int(256));

const junkString = (rng: Random, max = 40): string => {
  const alphabet = ['a', 'Z', '0', '-', '_', '/', '.', ' ', '行', '动', '\u0000', '\u202e', '😀', '"', '\\', '%'];
  let s = MARKER;
  for (let i = rng.int(max); i > 0; i--) s += rng.pick(alphabet);
  return s;
};

/** A value that is not a valid record of any kind (each one fails the schema at least once). */
export function invalidValue(rng: Random, key: string, depth = 0): unknown {
  const valid = {
    id: key,
    kind: 'point',
    geometry: { type: 'Point', coordinates: [120.29, 30.52] },
    label: MARKER,
    color: '#2563eb',
    author: 'u-fuzz',
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
  };
  switch (rng.int(14)) {
    case 0:
      return rng.next() * 1e6 - 5e5;
    case 1:
      return junkString(rng);
    case 2:
      return rng.chance(0.5);
    case 3:
      return [MARKER, rng.int(9), null];
    case 4:
      return { ...valid, kind: junkString(rng, 8) };
    case 5:
      return { ...valid, geometry: { type: 'Point', coordinates: [rng.pick([999, -181, Number.MAX_VALUE]), 95] } };
    case 6:
      return { ...valid, label: MARKER.repeat(30 + rng.int(3000)) };
    case 7:
      return { ...valid, id: `${key}x${MARKER}` };
    case 8:
      return { ...valid, color: MARKER, [MARKER]: true };
    case 9: {
      // Deep nesting: a JSON value many levels down.
      let v: unknown = MARKER;
      for (let i = 0; i < 50 + rng.int(depth > 0 ? 10 : 2000); i++) v = rng.chance(0.5) ? [v] : { [MARKER]: v };
      return v;
    }
    case 10:
      return { ...valid, geometry: null, createdAt: -1, updatedAt: 'yesterday', [`__proto__`]: { admin: MARKER } };
    case 11:
      return {
        ...valid,
        kind: 'polygon',
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [120, 30],
              [121, 30],
              [120.5, 31],
            ],
          ],
        },
      };
    case 12:
      return { id: key, label: MARKER };
    default:
      return depth < 2 ? { ...valid, nested: invalidValue(rng, key, depth + 1) } : MARKER;
  }
}

/** Build one update of schema-invalid content from a scratch document. */
function invalidChanges(rng: Random, doc: Y.Doc): void {
  const n = 1 + rng.int(4);
  for (let i = 0; i < n; i++) {
    const mapName = rng.pick(MAPS);
    // A key that is a record id stays in storage as a tombstone when its content is refused (Yjs
    // needs it for later writes under that key), so such keys carry no marker; every other key does.
    const key = rng.chance(0.1)
      ? MARKER.repeat(7 + rng.int(494))
      : rng.chance(0.5)
        ? `${MARKER}/${rng.int(1e6)}`
        : `fz-${rng.int(1e6)}`;
    switch (rng.int(8)) {
      case 0: {
        // A nested shared type instead of a plain record.
        const inner = new Y.Map();
        doc.getMap(mapName).set(key, inner);
        inner.set(MARKER, invalidValue(rng, key));
        break;
      }
      case 1: {
        const arr = new Y.Array();
        doc.getMap(mapName).set(key, arr);
        arr.push([MARKER, 1, { [MARKER]: 2 }]);
        break;
      }
      case 2:
        // A root of the wrong type: list or text content under a collection's name.
        if (rng.chance(0.5)) doc.getArray(`${MARKER}-list`).push([MARKER, invalidValue(rng, key)]);
        else doc.getText(`${MARKER}-text`).insert(0, MARKER.repeat(1 + rng.int(100)));
        break;
      case 3: {
        const text = new Y.Text();
        doc.getMap(mapName).set(key, text);
        text.insert(0, MARKER);
        break;
      }
      default:
        doc.getMap(mapName).set(key, invalidValue(rng, key));
    }
  }
}

export interface UpdateVariant {
  /** What kind of payload this is (for the summary). */
  kind: string;
  bytes: Uint8Array;
}

/**
 * A payload for a sync step 2 / update message: a valid update of invalid content, or one that is
 * mangled (truncated, bit-flipped, v2-encoded, with a gap before it, or only a delete set).
 */
export function updatePayload(rng: Random): UpdateVariant {
  const doc = new Y.Doc();
  doc.clientID = 1 + rng.int(2 ** 31);
  const parts: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => parts.push(u));
  const v2 = rng.chance(0.05);
  try {
    invalidChanges(rng, doc);
    invalidChanges(rng, doc);
  } catch {
    // Yjs refuses some shapes itself (e.g. a root name reused with another type): fine, use what we have.
  }
  const whole = v2 ? Y.encodeStateAsUpdateV2(doc) : Y.encodeStateAsUpdate(doc);
  doc.destroy();
  switch (rng.int(10)) {
    case 0:
      return { kind: 'update: truncated', bytes: whole.slice(0, rng.int(whole.length)) };
    case 1: {
      const bytes = whole.slice();
      for (let i = 1 + rng.int(4); i > 0 && bytes.length; i--) {
        const at = rng.int(bytes.length);
        bytes[at] = bytes[at]! ^ (1 << rng.int(8));
      }
      return { kind: 'update: bit flips', bytes };
    }
    case 2:
      // Only the later part of the history: the server holds it as pending (a gap before it).
      return { kind: 'update: gap', bytes: parts.at(-1) ?? whole };
    case 3:
      return { kind: 'update: random bytes', bytes: randomBytes(rng, rng.int(64)) };
    case 4: {
      // A delete set for items nobody has (a random client).
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 0);
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, 1 + rng.int(2 ** 31));
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, rng.int(100));
      encoding.writeVarUint(e, 1 + rng.int(100));
      return { kind: 'update: foreign delete set', bytes: encoding.toUint8Array(e) };
    }
    default:
      return { kind: v2 ? 'update: v2 encoding' : 'update: invalid records', bytes: whole };
  }
}

/** An awareness update: plausible, spoofing, oversized, or garbage. */
export function awarenessPayload(rng: Random): UpdateVariant {
  const e = encoding.createEncoder();
  switch (rng.int(6)) {
    case 0:
      return { kind: 'awareness: random bytes', bytes: randomBytes(rng, rng.int(80)) };
    case 1: {
      // Many client ids in one message.
      const n = 50 + rng.int(3000);
      encoding.writeVarUint(e, n);
      for (let i = 0; i < n; i++) {
        encoding.writeVarUint(e, 1 + rng.int(2 ** 31));
        encoding.writeVarUint(e, rng.int(10));
        encoding.writeVarString(e, JSON.stringify({ pointer: [120, 30], color: MARKER }));
      }
      return { kind: 'awareness: many clients', bytes: encoding.toUint8Array(e) };
    }
    case 2: {
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, 1 + rng.int(2 ** 31));
      encoding.writeVarUint(e, 2 ** 32 - 1);
      encoding.writeVarString(
        e,
        JSON.stringify({
          user: { id: 'u-commander', name: MARKER, role: 'commander', stationId: null },
          pointer: [1e9, -1e9],
        }),
      );
      return { kind: 'awareness: spoofed user', bytes: encoding.toUint8Array(e) };
    }
    case 3: {
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, 1 + rng.int(2 ** 31));
      encoding.writeVarUint(e, 1);
      encoding.writeVarString(e, rng.pick(['{', 'undefined', '[1,2', `"${MARKER}`, '\u0000', '{"a":1}}']));
      return { kind: 'awareness: broken JSON', bytes: encoding.toUint8Array(e) };
    }
    case 4: {
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, 1 + rng.int(2 ** 31));
      encoding.writeVarUint(e, 1);
      encoding.writeVarString(e, JSON.stringify({ pointer: MARKER.repeat(2000 + rng.int(20_000)) }));
      return { kind: 'awareness: huge state', bytes: encoding.toUint8Array(e) };
    }
    default: {
      // A declared count far above what follows.
      encoding.writeVarUint(e, 2 ** 30);
      encoding.writeVarUint(e, 7);
      return { kind: 'awareness: count overrun', bytes: encoding.toUint8Array(e) };
    }
  }
}

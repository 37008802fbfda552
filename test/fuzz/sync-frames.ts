/**
 * Sync sessions: a document name, a token (of a writer, a reader, or none that is valid) and one
 * to four frames of the y-websocket protocol, from plausible to broken.
 */
import * as encoding from 'lib0/encoding';
import { DEMO_OP } from '../helpers/server.ts';
import type { Random } from '../helpers/random.ts';
import { awarenessPayload, MARKER, randomBytes, updatePayload } from './yjs-payloads.ts';

/** Who the session claims to be; resolved to a real (or broken) token by the runner. */
export type TokenKind =
  'commander' | 'deqing' | 'linping' | 'wall' | 'none' | 'garbage' | 'forged' | 'huge' | 'bearer-in-query';

export interface SyncSession {
  doc: string;
  token: TokenKind;
  frames: Array<Uint8Array | string>;
  /** One label per frame, for the summary. */
  kinds: string[];
}

const STATION_DOCS = ['deqing-yuyue', 'linping-yunhe', 'tongxiang-zhouquan'];

function docName(rng: Random): string {
  switch (rng.int(12)) {
    case 0:
      return `no-such-op/${rng.pick(STATION_DOCS)}`;
    case 1:
      return `${DEMO_OP}/wuxing-zhili`;
    case 2:
      return rng.pick([
        `${DEMO_OP}`,
        `${DEMO_OP}/command/extra`,
        '',
        '/',
        '..%2F..%2Fetc%2Fpasswd',
        `${DEMO_OP}%00/command`,
      ]);
    case 3:
      return `${MARKER.repeat(1 + rng.int(200))}/command`;
    case 4:
      return `${DEMO_OP}/${encodeURIComponent('指挥')}`;
    default:
      return `${DEMO_OP}/${rng.pick(['command', ...STATION_DOCS])}`;
  }
}

const frame = (write: (e: encoding.Encoder) => void): Uint8Array => {
  const e = encoding.createEncoder();
  write(e);
  return encoding.toUint8Array(e);
};

/** One frame and its label. */
function syncFrame(rng: Random): [Uint8Array | string, string] {
  switch (rng.int(16)) {
    case 0:
      // Truncated varints: a continuation bit with nothing after it.
      return [
        rng.pick([
          new Uint8Array([0x80]),
          new Uint8Array([0, 0x80]),
          new Uint8Array([0, 1, 0xff, 0xff]),
          new Uint8Array([1, 0xff]),
        ]),
        'truncated varint',
      ];
    case 1:
      return [frame((e) => encoding.writeVarUint(e, 4 + rng.int(2 ** 31))), 'unknown message type'];
    case 2:
      return [
        frame((e) => {
          encoding.writeVarUint(e, 0);
          encoding.writeVarUint(e, 3 + rng.int(1000));
          encoding.writeVarUint8Array(e, randomBytes(rng, 4));
        }),
        'unknown sync sub-type',
      ];
    case 3:
      // A declared length far beyond the frame.
      return [
        frame((e) => {
          encoding.writeVarUint(e, rng.pick([0, 1]));
          if (rng.chance(0.5)) encoding.writeVarUint(e, rng.pick([0, 1, 2]));
          encoding.writeVarUint(e, rng.pick([2 ** 31, 2 ** 32 - 1, 2 ** 53 - 1, 1e6]));
          encoding.writeUint8Array(e, randomBytes(rng, rng.int(16)));
        }),
        'huge declared length',
      ];
    case 4:
      // Now and then one above the largest message the server accepts (16 MiB by default).
      if (rng.chance(0.005)) return [new Uint8Array(17 * 1024 * 1024).fill(7), 'oversized frame'];
      return [randomBytes(rng, rng.int(rng.chance(0.1) ? 70_000 : 200)), 'random bytes'];
    case 5:
      return [rng.pick(['hello', MARKER, '{"type":"sync"}', '']), 'text frame'];
    case 6:
      return [new Uint8Array(0), 'empty frame'];
    case 7:
      return [
        frame((e) => {
          encoding.writeVarUint(e, 0);
          encoding.writeVarUint(e, 0);
          encoding.writeVarUint8Array(
            e,
            rng.chance(0.5) ? randomBytes(rng, rng.int(40)) : new Uint8Array([1, 0xff, 0xff, 0xff, 0xff, 0x0f, 7]),
          );
        }),
        'sync step 1: garbage state vector',
      ];
    case 8:
    case 9:
    case 10: {
      const sub = rng.pick([1, 2]);
      const payload = updatePayload(rng);
      return [
        frame((e) => {
          encoding.writeVarUint(e, 0);
          encoding.writeVarUint(e, sub);
          encoding.writeVarUint8Array(e, payload.bytes);
        }),
        `${sub === 1 ? 'sync step 2' : 'update'} (${payload.kind})`,
      ];
    }
    case 11:
    case 12: {
      const payload = awarenessPayload(rng);
      return [
        frame((e) => {
          encoding.writeVarUint(e, 1);
          encoding.writeVarUint8Array(e, payload.bytes);
        }),
        payload.kind,
      ];
    }
    case 13:
      return [
        frame((e) => {
          encoding.writeVarUint(e, 2);
          encoding.writeVarUint(e, rng.int(3));
          encoding.writeVarString(e, MARKER);
        }),
        'auth message from a client',
      ];
    case 14:
      return [
        frame((e) => {
          encoding.writeVarUint(e, 3);
          if (rng.chance(0.5)) encoding.writeUint8Array(e, randomBytes(rng, 3));
        }),
        'query awareness (maybe trailing bytes)',
      ];
    default: {
      // A valid message followed by trailing garbage.
      return [
        frame((e) => {
          encoding.writeVarUint(e, 0);
          encoding.writeVarUint(e, 2);
          encoding.writeVarUint8Array(e, new Uint8Array([0, 0]));
          encoding.writeUint8Array(e, randomBytes(rng, 1 + rng.int(8)));
        }),
        'trailing bytes',
      ];
    }
  }
}

export function syncSession(rng: Random): SyncSession {
  const token = rng.pick<TokenKind>([
    'commander',
    'commander',
    'deqing',
    'deqing',
    'linping',
    'wall',
    'none',
    'garbage',
    'forged',
    'huge',
    'bearer-in-query',
  ]);
  const frames: Array<Uint8Array | string> = [];
  const kinds: string[] = [];
  for (let i = 1 + rng.int(4); i > 0; i--) {
    const [f, kind] = syncFrame(rng);
    frames.push(f);
    kinds.push(kind);
  }
  return { doc: docName(rng), token, frames, kinds };
}

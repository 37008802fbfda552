import * as encoding from 'lib0/encoding';
import { describe, expect, test } from 'vitest';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { rawSync } from '../helpers/raw-socket.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { connectClient, eventually } from '../helpers/sync-client.ts';
import { seededRandom } from '../helpers/random.ts';

describe('bad input on the sync socket', () => {
  test('every bad connection or frame gets a coded error; other clients keep working throughout', async (t) => {
    const server = await startServer(t, { maxMessageBytes: 64 * 1024 });
    const { token } = await server.login('deqing');
    const doc = `${DEMO_OP}/deqing-yuyue`;
    const sync = (name: string, tok: string | null) =>
      `${server.wsUrl}/sync/${name}${tok === null ? '' : `?token=${encodeURIComponent(tok)}`}`;

    // A healthy pair of clients that must keep converging while the bad input arrives.
    const a = await connectClient(t, server.wsUrl, doc, token);
    const b = await connectClient(t, server.wsUrl, doc, token);
    let n = 0;
    const healthy = async () => {
      const key = `ok-${n++}`;
      a.doc.getMap('annotations').set(key, pointAnnotation(key, '正常'));
      await eventually(() => b.doc.getMap('annotations').has(key), 5000, `healthy edit ${key}`);
    };

    const expired = server.ctx.tokens.issue(
      { sub: 'u-deqing', role: 'dispatcher', stationId: 'deqing-yuyue', name: 'x' },
      -10,
    ).token;
    const cases: Array<[string, string, Array<Uint8Array | string>, number, string]> = [
      ['missing token', sync(doc, null), [], 4401, 'UNAUTHENTICATED'],
      ['forged token', sync(doc, `${token.slice(0, -4)}AAAA`), [], 4401, 'UNAUTHENTICATED'],
      ['garbage token', sync(doc, 'not-a-token'), [], 4401, 'UNAUTHENTICATED'],
      ['expired token', sync(doc, expired), [], 4401, 'TOKEN_EXPIRED'],
      ['unknown operation', sync('no-such-op/deqing-yuyue', token), [], 4404, 'NOT_FOUND'],
      ['unknown scope', sync(`${DEMO_OP}/wuxing-zhili`, token), [], 4404, 'NOT_FOUND'],
      ['not a document name', sync('a/b/c', token), [], 4404, 'NOT_FOUND'],
      // `%25E0` is `%E0` once the router decoded it: not a percent-encoding any more.
      ['a name that does not decode', sync(`${DEMO_OP}%25E0/command`, token), [], 4404, 'NOT_FOUND'],
      ['unknown message type', sync(doc, token), [new Uint8Array([9, 1, 2])], 4400, 'INVALID_PAYLOAD'],
      ['truncated sync frame', sync(doc, token), [new Uint8Array([0, 2, 200, 1, 5])], 4400, 'INVALID_PAYLOAD'],
      ['text frame', sync(doc, token), ['hello'], 4400, 'INVALID_PAYLOAD'],
      [
        'malformed update bytes',
        sync(doc, token),
        [
          frame((e) => {
            encoding.writeVarUint(e, 0);
            encoding.writeVarUint(e, 2);
            encoding.writeVarUint8Array(e, new Uint8Array([1, 1, 255, 255, 255, 7, 9, 9]));
          }),
        ],
        4400,
        'INVALID_PAYLOAD',
      ],
      [
        'malformed awareness',
        sync(doc, token),
        [
          frame((e) => {
            encoding.writeVarUint(e, 1);
            encoding.writeVarUint8Array(e, new Uint8Array([1, 5, 1, 3, 123, 125, 125]));
          }),
        ],
        0,
        'INVALID_PAYLOAD',
      ],
    ];
    for (const [name, url, frames, closeCode, code] of cases) {
      const result = await rawSync(url, frames, 1500);
      expect(result.codes, name).toContain(code);
      expect(result.closeCode, name).toBe(closeCode);
      await healthy();
    }

    // A dispatcher of a station outside an operation is told it does not exist (as on REST).
    const commander = (await server.login('commander')).token;
    const created = await fetch(`${server.url}/api/operations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${commander}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: '桐乡单独行动', kind: 'other', stations: ['tongxiang-zhouquan'] }),
    });
    const other = ((await created.json()) as { id: string }).id;
    const hidden = await rawSync(sync(`${other}/command`, token), [], 1500);
    expect(hidden).toEqual({ closeCode: 4404, codes: ['NOT_FOUND'] });
    await healthy();

    // Oversized message: ws closes with 1009 (message too big) before anything is parsed.
    const big = await rawSync(sync(doc, token), [new Uint8Array(200 * 1024)], 3000);
    expect(big.closeCode).toBe(1009);
    await healthy();

    // Random bytes, many times (seeded).
    const rng = seededRandom(3);
    for (let i = 0; i < 20; i++) {
      const bytes = new Uint8Array(1 + rng.int(64)).map(() => rng.int(256));
      const result = await rawSync(sync(doc, token), [bytes], 300);
      expect([0, 4400]).toContain(result.closeCode);
    }
    await healthy();
    expect(a.rejections).toEqual([]);
  });
});

function frame(write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  write(e);
  return encoding.toUint8Array(e);
}

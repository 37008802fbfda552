import { randomBytes } from 'node:crypto';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { operationDocNames } from '@jointmap/shared';
import { openConsoles } from '../helpers/op-console.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { startServer, type Teardown, type TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/sync-client.ts';
import { DEQING } from '../helpers/tasks.ts';
import { archiveOp, call, closeOp, download, fixAt, repack, restore, rewrite } from './archive-helpers.ts';

const OP = 'op-night';
type Refusal = { status: number; body: { error?: { code: string; message: string } } };
const code = (r: { status: number; body: unknown }) => [r.status, (r.body as Refusal['body']).error?.code];

/** A 德清 operation with one drawing and a few fixes, its commander's token. */
async function drill(t: Teardown): Promise<{ server: TestServer; commander: string }> {
  const server = await startServer(t);
  const commander = (await server.login('commander')).token;
  await call(server, commander, 'POST', '/api/operations', {
    id: OP,
    name: '夜间巡查',
    kind: 'monitoring',
    stations: [DEQING],
  });
  const [boss] = await openConsoles(t, server, ['commander'], OP);
  boss!.write(DEQING, { type: 'put', map: 'annotations', key: 'gate', value: pointAnnotation('gate', '卡口') });
  const created = (await server.ctx.storage.getOperation(OP))!.createdAt;
  await server.ctx.storage.appendPositions([fixAt(DEQING, 'night-car', created + 1)]);
  await eventually(
    () => boss!.client(DEQING).provider.synced && boss!.client(DEQING).doc.getMap('annotations').size === 1,
  );
  // The drawing is stored once the server answers a sync request after it (the log is durable before relay).
  for (let i = 0; i < 50 && (await server.ctx.storage.readUpdateLog(`${OP}/${DEQING}`)).length < 2; i++)
    await new Promise((r) => setTimeout(r, 100));
  boss!.destroy();
  return { server, commander };
}

describe('operation archives refuse what they must', () => {
  it('only commanders close, archive, purge and restore; an active operation is neither archived nor purged', async (t) => {
    const { server, commander } = await drill(t);
    for (const username of ['deqing', 'wall']) {
      const token = (await server.login(username)).token;
      expect(code(await closeOp(server, token, OP))).toEqual([403, 'FORBIDDEN']);
      expect(code(await archiveOp(server, token, OP))).toEqual([403, 'FORBIDDEN']);
      expect(code(await call(server, token, 'GET', `/api/operations/${OP}/archives`))).toEqual([403, 'FORBIDDEN']);
      expect(code(await restore(server, token, Buffer.from('x')))).toEqual([403, 'FORBIDDEN']);
      const purge = { archiveId: '20260101T000000-abcdef', sha256: '0'.repeat(64) };
      expect(code(await call(server, token, 'POST', `/api/operations/${OP}/purge`, purge))).toEqual([403, 'FORBIDDEN']);
    }
    expect(code(await archiveOp(server, commander, OP))).toEqual([409, 'CONFLICT']);
    const purge = await call(server, commander, 'POST', `/api/operations/${OP}/purge`, {
      archiveId: '20260101T000000-abcdef',
      sha256: '0'.repeat(64),
    });
    expect(code(purge as Refusal)).toEqual([409, 'CONFLICT']);
    expect((await server.ctx.storage.getOperation(OP))!.status).toBe('active');
    expect(code(await closeOp(server, commander, OP))[0]).toBe(200);
    expect(code(await closeOp(server, commander, OP))).toEqual([409, 'CONFLICT']);
  });

  it('a purge needs the archive’s own checksum, no evidence hold and an unchanged file; then the operation is gone for good', async (t) => {
    const { server, commander } = await drill(t);
    await closeOp(server, commander, OP);
    const record = (await archiveOp(server, commander, OP)).body;
    const purge = (sha: string, archiveId = record.id) =>
      call(server, commander, 'POST', `/api/operations/${OP}/purge`, { archiveId, sha256: sha }) as Promise<Refusal>;
    const logs = async () =>
      (await Promise.all(operationDocNames(OP, [DEQING]).map((d) => server.ctx.storage.readUpdateLog(d)))).flat()
        .length;
    const stored = await logs();
    expect(stored).toBeGreaterThan(1);

    expect(code(await purge('f'.repeat(64)))).toEqual([409, 'CONFLICT']);
    await call(server, commander, 'PUT', `/api/operations/${OP}/hold`, { kept: true });
    expect(code(await purge(record.sha256))).toEqual([409, 'CONFLICT']);
    await call(server, commander, 'PUT', `/api/operations/${OP}/hold`, { kept: false });
    appendFileSync(join(server.dataDir, 'archives', record.file), 'x');
    expect(code(await purge(record.sha256))).toEqual([422, 'ARCHIVE_INVALID']);
    expect(await logs()).toBe(stored);

    const fresh = (await archiveOp(server, commander, OP)).body;
    expect((await purge(fresh.sha256, fresh.id)).status).toBe(200);
    expect(await logs()).toBe(0);
    expect(code(await purge(fresh.sha256, fresh.id))).toEqual([410, 'OPERATION_PURGED']);
    expect(code(await archiveOp(server, commander, OP))).toEqual([410, 'OPERATION_PURGED']);
  });

  it('a changed, truncated, foreign, incomplete or oversized file is refused with a coded error and restores nothing', async (t) => {
    const { server: a, commander } = await drill(t);
    await closeOp(a, commander, OP);
    const record = (await archiveOp(a, commander, OP)).body;
    const file = await download(a, commander, record);
    // Saved under the operation's title (RFC 6266 filename*), the file's own name in the ASCII one.
    const res = await fetch(`${a.url}/api/operations/${OP}/archives/${record.id}/file`, {
      headers: { authorization: `Bearer ${commander}` },
    });
    await res.arrayBuffer();
    const disposition = res.headers.get('content-disposition') ?? '';
    expect(decodeURIComponent(/filename\*=UTF-8''(\S+)/.exec(disposition)?.[1] ?? '')).toBe(`夜间巡查-${record.file}`);
    expect(disposition).toContain(`filename="${record.file}"`);
    const b = await startServer(t, { archiveMaxMib: 1 });
    const token = (await b.login('commander')).token;

    const cases: Array<[string, Buffer, RegExp]> = [
      ['truncated', file.subarray(0, Math.floor(file.byteLength / 2)), /readable/],
      ['not an archive', Buffer.from('这不是归档文件'), /readable/],
      [
        'a changed line',
        repack(file, (dir) => {
          const path = join(dir, 'documents', `${DEQING}.ndjson`);
          writeFileSync(path, readFileSync(path, 'utf8').replace('"seq":1', '"seq":9'));
        }),
        /checksum/,
      ],
      [
        'a file the manifest does not list',
        repack(file, (dir) => writeFileSync(join(dir, 'extra.json'), '{}')),
        /unexpected|manifest/,
      ],
      [
        'an update missing (checksums made to match)',
        repack(file, (dir) =>
          rewrite(dir, `documents/${DEQING}.ndjson`, (text) => text.split('\n').slice(1).join('\n')),
        ),
        /the manifest says/,
      ],
      [
        'a fix outside the operation',
        repack(file, (dir) => rewrite(dir, 'tracks.ndjson', (text) => text.replace(/"time":\d+/, '"time":5'))),
        /outside/,
      ],
      [
        'another format version',
        repack(file, (dir) => {
          const path = join(dir, 'manifest.json');
          writeFileSync(path, readFileSync(path, 'utf8').replace('"version": 1', '"version": 2'));
        }),
        /version 2/,
      ],
    ];
    for (const [what, bytes, message] of cases) {
      const res = await restore(b, token, bytes);
      expect({ what, status: res.status, code: res.body.error?.code }).toEqual({
        what,
        status: 422,
        code: 'ARCHIVE_INVALID',
      });
      expect(res.body.error!.message).toMatch(message);
    }
    const big = await restore(b, token, randomBytes(1.5 * 2 ** 20));
    expect(code(big)).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    // Small to upload, over the limit unpacked: refused as soon as the unpacking passes the limit.
    const bomb = repack(file, (dir) => writeFileSync(join(dir, 'tracks.ndjson'), Buffer.alloc(3 * 2 ** 20, 10)));
    expect(bomb.byteLength).toBeLessThan(2 ** 20);
    const unpacked = await restore(b, token, bomb);
    expect(code(unpacked)).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(unpacked.body.error!.message).toMatch(/unpacks/);
    // Nothing of the refused uploads is left on the disk.
    expect(readdirSync(join(b.dataDir, 'archives'))).toEqual([]);

    expect(await b.ctx.storage.getOperation(OP)).toBeNull();
    expect(await b.ctx.storage.readUpdateLog(`${OP}/${DEQING}`)).toEqual([]);
    expect(await b.ctx.storage.track(DEQING, 'night-car', 0, Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
    // The untouched file still restores.
    expect((await restore(b, token, file)).status).toBe(201);
  });
});

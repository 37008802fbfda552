import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { archiveOp, call, closeOp, download, searchOp } from '../api/archive-helpers.ts';
import { createTestSchema } from '../helpers/pg-schema.ts';
import { startServer, type Teardown } from '../helpers/server.ts';

const OP = 'op-where';

/** Two instances on one PostgreSQL store, with their own ARCHIVE_DIR or one shared; a closed operation archived on `a`. */
async function pair(t: Teardown, archiveDir?: string) {
  const schema = await createTestSchema();
  t.onTestFinished(() => schema.drop());
  const store = { databaseUrl: schema.url, retentionIntervalMs: 0, ...(archiveDir ? { archiveDir } : {}) };
  const a = await startServer(t, store);
  const b = await startServer(t, store);
  const ca = (await a.login('commander')).token;
  const cb = (await b.login('commander')).token;
  await searchOp(a, ca, OP, '去向');
  expect((await closeOp(a, ca, OP)).status).toBe(200);
  const record = (await archiveOp(a, ca, OP)).body;
  return { a, b, ca, cb, record };
}

describe('archive files on several instances', () => {
  it('another instance without the writer’s ARCHIVE_DIR lists the archive but answers ARCHIVE_ELSEWHERE (409, naming the writer) to its download and purge, and purges nothing', async (t) => {
    const { a, b, cb, record } = await pair(t);
    const writer = `${hostname()}:${join(a.dataDir, 'archives')}`;
    expect(record.instance).toBe(writer);
    const listed = await call<{ archives: Array<{ id: string; instance: string }> }>(
      b,
      cb,
      'GET',
      `/api/operations/${OP}/archives`,
    );
    expect(listed.body.archives).toEqual([expect.objectContaining({ id: record.id, instance: writer })]);

    const res = await fetch(`${b.url}/api/operations/${OP}/archives/${record.id}/file`, {
      headers: { authorization: `Bearer ${cb}` },
    });
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect([res.status, body.error.code]).toEqual([409, 'ARCHIVE_ELSEWHERE']);
    expect(body.error.message).toContain(writer);

    const purge = await call<{ error?: { code: string; message: string } }>(
      b,
      cb,
      'POST',
      `/api/operations/${OP}/purge`,
      { archiveId: record.id, sha256: record.sha256 },
    );
    expect([purge.status, purge.body.error?.code]).toEqual([409, 'ARCHIVE_ELSEWHERE']);
    expect(purge.body.error?.message).toContain(writer);
    expect((await b.ctx.storage.getOperation(OP))?.purgedAt).toBeNull();
  });

  it('with one shared ARCHIVE_DIR, the other instance downloads the archive and purges after it', async (t) => {
    const shared = mkdtempSync(join(tmpdir(), 'jointmap-archives-'));
    t.onTestFinished(() => rmSync(shared, { recursive: true, force: true }));
    const { a, b, ca, cb, record } = await pair(t, shared);
    expect(await download(b, cb, record)).toEqual(await download(a, ca, record));
    const purge = await call(b, cb, 'POST', `/api/operations/${OP}/purge`, {
      archiveId: record.id,
      sha256: record.sha256,
    });
    expect(purge.status).toBe(200);
    expect((await a.ctx.storage.getOperation(OP))?.purgedAt).toEqual(expect.any(Number));
  });
});

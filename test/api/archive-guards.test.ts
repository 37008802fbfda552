import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { operationDocNames } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import type { ArchiveRecord, Operation, Storage } from '@jointmap/server/storage/types';
import { createTestSchema } from '../helpers/pg-schema.ts';
import { startServer, type Teardown, type TestServer } from '../helpers/server.ts';
import { DEQING } from '../helpers/tasks.ts';
import { archiveOp, call, closeOp, download, repack, restore, rewrite, streetFixes } from './archive-helpers.ts';

const OP = 'op-guard';
const UNIT = 'yuyue-car-01';
const FIXES = 20;
type Backend = 'sqlite' | 'postgres';

/** A server with its commander's token, on its own store (SQLite, or a PostgreSQL schema of its own). */
async function start(t: Teardown, backend: Backend): Promise<{ server: TestServer; token: string }> {
  let databaseUrl: string | undefined;
  if (backend === 'postgres') {
    const schema = await createTestSchema();
    // Registered first, so it runs after the server on it has closed (teardown runs in reverse).
    t.onTestFinished(() => schema.drop());
    databaseUrl = schema.url;
  }
  const server = await startServer(t, { retentionIntervalMs: 0, ...(databaseUrl ? { databaseUrl } : {}) });
  return { server, token: (await server.login('commander')).token };
}

/**
 * On `server`: operation `OP` of 德清 created at `createdAt` (a second apart: another operation of
 * the same id), with FIXES fixes of UNIT and an SOS alert, closed and archived.
 */
async function archivedOp(server: TestServer, token: string, createdAt: number) {
  const storage = server.ctx.storage;
  await storage.createOperation({
    id: OP,
    name: '守卫',
    kind: 'search',
    status: 'active',
    stations: [DEQING],
    createdBy: 'u-commander',
    createdAt,
  });
  await storage.appendPositions(streetFixes(DEQING, UNIT, createdAt + 1000, FIXES));
  await storage.insertAlert(
    fixtures.sosAlert('sos-1', OP, createdAt + 2000, { stationId: DEQING, unitId: UNIT, raisedAt: createdAt + 2001 }),
  );
  expect((await closeOp(server, token, OP)).status).toBe(200);
  const record = (await archiveOp(server, token, OP)).body;
  return { record, file: await download(server, token, record) };
}

/** Purge `OP` after `record`, its SHA-256 named: `{status, body}` (the error's code and message when refused). */
const purge = (server: TestServer, token: string, record: ArchiveRecord) =>
  call<{ error?: { code: string; message: string } }>(server, token, 'POST', `/api/operations/${OP}/purge`, {
    archiveId: record.id,
    sha256: record.sha256,
  });

/** Nothing of operation `OP` in `storage`: no row, no fix of UNIT, no alert. */
async function nothingOf(storage: Storage) {
  return {
    operation: await storage.getOperation(OP),
    fixes: (await storage.track(DEQING, UNIT, 0, Number.MAX_SAFE_INTEGER, 1000)).length,
    alerts: (await storage.listAlerts(OP, { limit: 10 })).length,
  };
}
const NOTHING = { operation: null, fixes: 0, alerts: 0 };

describe.each(['sqlite', 'postgres'] as const)('archive restores and purges guarded (%s)', (backend) => {
  it('an archive with a NUL in stored text other than a tracker’s alarm, or a station twice, is refused (422) before anything is written', async (t) => {
    const a = await start(t, backend);
    const { file } = await archivedOp(a.server, a.token, Date.now() - 3_600_000);
    const b = await start(t, backend);
    const edits: Array<[string, string, (dir: string) => void]> = [
      [
        'an update’s author',
        `documents/${DEQING}.ndjson line 1: /userId`,
        (dir) =>
          rewrite(dir, `documents/${DEQING}.ndjson`, (x) =>
            x.replace(/"userId":(null|"[^"]*")/, '"userId":"u\\u0000"'),
          ),
      ],
      [
        'a station’s adcode',
        'operation.json line 1: /stations/0/adcode',
        (dir) => rewrite(dir, 'operation.json', (x) => x.replace(/"adcode":(null|"\d*")/, '"adcode":"33\\u0000"')),
      ],
      [
        'an alert’s tracker',
        'alerts.ndjson line 1: /evidence/deviceId',
        (dir) => rewrite(dir, 'alerts.ndjson', (x) => x.replace(/"evidence":\{/, '"evidence":{"deviceId":"d\\u0000",')),
      ],
      [
        'a station twice (its document listed twice)',
        'operation.json line 1: /operation/stations',
        (dir) => {
          rewrite(dir, 'operation.json', (x) =>
            x.replace(`"stations":["${DEQING}"]`, `"stations":["${DEQING}","${DEQING}"]`),
          );
          const path = join(dir, 'manifest.json');
          const manifest = JSON.parse(readFileSync(path, 'utf8'));
          manifest.documents.push(manifest.documents.at(-1));
          writeFileSync(path, JSON.stringify(manifest));
        },
      ],
    ];
    for (const [what, where, edit] of edits) {
      const res = await restore(b.server, b.token, repack(file, edit));
      expect({ what, status: res.status, code: res.body.error?.code }).toEqual({
        what,
        status: 422,
        code: 'ARCHIVE_INVALID',
      });
      expect({ what, ...(await nothingOf(b.server.ctx.storage)) }).toEqual({ what, ...NOTHING });
      // Refused for what was changed, where it was changed.
      expect({ what, message: res.body.error?.message }).toEqual({ what, message: expect.stringContaining(where) });
    }
    expect((await restore(b.server, b.token, file)).status).toBe(201);
  });

  it('an archive an older server wrote with a NUL in a fix’s and an alert’s alarm text restores, the alarms stored without the NUL', async (t) => {
    const a = await start(t, backend);
    const { file } = await archivedOp(a.server, a.token, Date.now() - 3_600_000);
    const b = await start(t, backend);
    // As such an archive holds it: the alarm text with its NUL, the checksums matching.
    const old = repack(file, (dir) => {
      rewrite(dir, 'tracks.ndjson', (x) => x.replace('"alarm":null', '"alarm":"S\\u0000OS\\u0000"'));
      rewrite(dir, 'alerts.ndjson', (x) => x.replace('"alarm":"SOS"', '"alarm":"S\\u0000OS"'));
    });
    const res = await restore(b.server, b.token, old);
    expect([res.status, res.body.error]).toEqual([201, undefined]);
    const storage = b.server.ctx.storage;
    const track = await storage.track(DEQING, UNIT, 0, Number.MAX_SAFE_INTEGER, 1000);
    expect(track).toHaveLength(FIXES);
    expect(track.map((f) => f.alarm).filter((x) => x !== null)).toEqual(['SOS']);
    const alerts = await storage.listAlerts(OP, { limit: 10 });
    expect(alerts.map((al) => al.evidence.alarm)).toEqual(['SOS']);
  });

  it('an alarm an older server stored as only NULs restores as no alarm on its fix, and as sos on the SOS alert it raised', async (t) => {
    const a = await start(t, backend);
    const { file } = await archivedOp(a.server, a.token, Date.now() - 3_600_000);
    const b = await start(t, backend);
    const old = repack(file, (dir) => {
      rewrite(dir, 'tracks.ndjson', (x) => x.replace('"alarm":null', '"alarm":"\\u0000"'));
      rewrite(dir, 'alerts.ndjson', (x) => x.replace('"alarm":"SOS"', '"alarm":"\\u0000\\u0000"'));
    });
    expect((await restore(b.server, b.token, old)).status).toBe(201);
    const storage = b.server.ctx.storage;
    const track = await storage.track(DEQING, UNIT, 0, Number.MAX_SAFE_INTEGER, 1000);
    expect(track).toHaveLength(FIXES);
    expect(track.map((f) => f.alarm).filter((x) => x !== null)).toEqual([]);
    const alerts = await storage.listAlerts(OP, { limit: 10 });
    expect(alerts.map((al) => al.evidence.alarm)).toEqual(['sos']);
  });

  it('a store error while restoring answers ARCHIVE_INVALID and takes back every fix and alert written: nothing left behind, and it restores when run again', async (t) => {
    const a = await start(t, backend);
    const { file } = await archivedOp(a.server, a.token, Date.now() - 3_600_000);
    const b = await start(t, backend);
    const storage = b.server.ctx.storage;
    const restoreOperation = storage.restoreOperation.bind(storage);
    storage.restoreOperation = async () => {
      throw new Error('value refused by the store');
    };
    const failed = await restore(b.server, b.token, file);
    expect([failed.status, failed.body.error?.code]).toEqual([422, 'ARCHIVE_INVALID']);
    expect(failed.body.error?.message).toContain('value refused by the store');
    expect(await nothingOf(storage)).toEqual(NOTHING);
    expect(await storage.restoreMarks()).toEqual([]);

    storage.restoreOperation = restoreOperation;
    expect((await restore(b.server, b.token, file)).status).toBe(201);
    expect(await nothingOf(storage)).toMatchObject({ fixes: FIXES, alerts: 1 });
  });

  it('over a purged operation only its own archive restores: another operation of the same id, or a file that is not one of its archives, is refused (409) and nothing is written', async (t) => {
    const a = await start(t, backend);
    const created = Date.now() - 7_200_000;
    const { record, file } = await archivedOp(a.server, a.token, created);
    const purged = await purge(a.server, a.token, record);
    expect([purged.status, purged.body.error]).toEqual([200, undefined]);
    const gone = { operation: expect.objectContaining({ purgedAt: expect.any(Number) }), fixes: 0, alerts: 1 };
    expect(await nothingOf(a.server.ctx.storage)).toMatchObject(gone);

    // Another operation that happens to have the same id, on another instance.
    const c = await start(t, backend);
    const other = await archivedOp(c.server, c.token, created + 1_000);
    const refused = await restore(a.server, a.token, other.file);
    expect([refused.status, refused.body.error?.code]).toEqual([409, 'CONFLICT']);
    expect(refused.body.error?.message).toMatch(/another operation/);
    // The same operation's data in a file that is none of its archives (packed again).
    const repacked = await restore(
      a.server,
      a.token,
      repack(file, () => undefined),
    );
    expect([repacked.status, repacked.body.error?.code]).toEqual([409, 'CONFLICT']);
    expect(repacked.body.error?.message).toContain(record.file);
    expect(await nothingOf(a.server.ctx.storage)).toMatchObject(gone);

    const back = await restore(a.server, a.token, file);
    expect(back.status).toBe(201);
    expect((back.body.operation as Operation).createdAt).toBe(created);
    expect(await nothingOf(a.server.ctx.storage)).toMatchObject({ fixes: FIXES, alerts: 1 });
  });

  it('a document first loaded after its archive was written (never opened before) does not make the purge refuse', async (t) => {
    const a = await start(t, backend);
    const storage = a.server.ctx.storage;
    const created = Date.now() - 3_600_000;
    await storage.createOperation({
      id: OP,
      name: '守卫',
      kind: 'monitoring',
      status: 'active',
      stations: [DEQING],
      createdBy: 'u-commander',
      createdAt: created,
    });
    // Closed in storage alone: no room of it loaded yet, as when the background loads that follow a
    // close (the search coverage, the status watch) come after the archive has read the logs.
    await storage.closeOperation(OP, created + 1000);
    const record = (await archiveOp(a.server, a.token, OP)).body;
    // A reader (or another instance's follower) opens each document for the first time.
    const names = operationDocNames(OP, [DEQING]);
    const logs = async () => Promise.all(names.map(async (n) => (await storage.readUpdateLog(n)).length));
    const before = await logs();
    for (const name of names) await a.server.ctx.rooms.evict(name);
    await Promise.all(names.map((name) => a.server.ctx.rooms.get(name)));
    expect(await logs()).toEqual(before);
    const purged = await purge(a.server, a.token, record);
    expect([purged.status, purged.body.error]).toEqual([200, undefined]);
  });

  it('a purge deletes only the fixes its archive holds: one stamped before the archive but stored after it stays', async (t) => {
    const a = await start(t, backend);
    const created = Date.now() - 3_600_000;
    const { record } = await archivedOp(a.server, a.token, created);
    // Received (stamped) before the archive was written, stored after it had read the track: a
    // commit that waited, or another instance's clock behind this one's.
    const unarchived = { ...streetFixes(DEQING, UNIT, created + 500, 1)[0]!, receivedAt: record.createdAt - 1 };
    await a.server.ctx.storage.appendPositions([unarchived]);
    const purged = await purge(a.server, a.token, record);
    expect([purged.status, purged.body.error]).toEqual([200, undefined]);
    const left = await a.server.ctx.storage.track(DEQING, UNIT, 0, Number.MAX_SAFE_INTEGER, 1000);
    expect(left.map((f) => f.time)).toEqual([unarchived.time]);
  });
});

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import { migrateToPostgres } from '@jointmap/server/tools/migrate-to-postgres';
import { createTestSchema, query } from '../helpers/pg-schema.ts';
import { Database } from '../helpers/server-sqlite.ts';
import { DEMO_OP, startServer, tempDir, type TestServer } from '../helpers/server.ts';
import { api, epochSeconds, traccarQuery } from '../live/live-helpers.ts';
import { CAR, send, storedAlerts } from '../alerts/alert-helpers.ts';

const STATIONS = ['command', 'deqing-yuyue', 'linping-yunhe', 'tongxiang-zhouquan'];

/** Every document of the demo operation as JSON, loaded by the server from its storage. */
async function documents(server: TestServer): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const scope of STATIONS) {
    const room = await server.ctx.rooms.get(`${DEMO_OP}/${scope}`);
    await room.idle();
    // Record maps nobody wrote are empty either way; a service that merely looked one up (the
    // coverage service reads `searches`) makes it show in toJSON, so only maps with content count.
    out[scope] = Object.fromEntries(
      Object.entries(room.doc.toJSON()).filter(([, v]) => !(v && typeof v === 'object' && !Object.keys(v).length)),
    );
  }
  return out;
}

describe('pnpm migrate-to-postgres', () => {
  it('moves the demo store into an empty PostgreSQL schema: documents, positions, logins and sessions come back as they were, and writes continue', async (t) => {
    const dataDir = tempDir();
    const schema = await createTestSchema();
    t.onTestFinished(async () => {
      await schema.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    // An embedded site with some history: a unit added (a document update), fixes, a sign-out.
    const before = await startServer(null, { dataDir }, { storage: (dir) => new SqliteStorage(dir) });
    const commander = await before.login('commander');
    const signedOut = await before.login('deqing');
    expect(
      (
        await api(before, commander.token, 'POST', `/api/operations/${DEMO_OP}/units`, {
          id: 'yuyue-car-09',
          callsign: '禹越巡09',
          kind: 'car',
          stationId: 'deqing-yuyue',
        })
      ).status,
    ).toBe(201);
    const fixTime = Math.floor(Date.now() / 1000) * 1000 - 10_000;
    expect(
      (
        await traccarQuery(before.url, {
          id: 'demo-yuyue-01',
          lat: 30.55,
          lon: 120.01,
          timestamp: epochSeconds(fixTime),
        })
      ).status,
    ).toBe(200);
    const logout = await fetch(`${before.url}/api/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${signedOut.token}` },
    });
    expect(logout.status).toBe(204);
    const docsBefore = await documents(before);
    const latestBefore = await before.ctx.storage.latestPositions();
    await before.close();

    const lines: string[] = [];
    const { rows } = await migrateToPostgres(dataDir, schema.url, (line) => lines.push(line));
    expect(rows.doc_updates).toBeGreaterThan(0);
    expect(rows.positions_track).toBe(1);
    expect(lines.some((l) => l.startsWith('accounts: '))).toBe(true);

    const after = await startServer(null, { dataDir, databaseUrl: schema.url });
    t.onTestFinished(() => after.close());
    expect(after.ctx.storage.kind).toBe('postgres');
    expect(await documents(after)).toEqual(docsBefore);
    expect(await after.ctx.storage.latestPositions()).toEqual(latestBefore);
    // Same token secret and sessions: a token issued before still works; the signed-out one does not.
    expect((await api(after, commander.token, 'GET', '/api/auth/me')).status).toBe(200);
    expect((await api(after, signedOut.token, 'GET', '/api/auth/me')).body).toMatchObject({
      error: { code: 'SESSION_ENDED' },
    });
    expect((await after.login('deqing')).user.stationId).toBe('deqing-yuyue');
    // Writes go on after the copied history.
    expect(
      (
        await api(after, commander.token, 'POST', `/api/operations/${DEMO_OP}/units`, {
          id: 'yuyue-car-10',
          callsign: '禹越巡10',
          kind: 'car',
          stationId: 'deqing-yuyue',
        })
      ).status,
    ).toBe(201);
    expect(
      (await traccarQuery(after.url, { id: 'demo-yuyue-01', lat: 30.56, lon: 120.02, timestamp: epochSeconds() }))
        .status,
    ).toBe(200);

    // A second run finds data and copies nothing.
    await expect(migrateToPostgres(dataDir, schema.url)).rejects.toThrow(/not empty/);
  });

  it('copies text SQLite stored with a NUL (an alarm, an alert rule name, an SOS alert’s alarm) without it, instead of stopping', async (t) => {
    const dataDir = tempDir();
    const schema = await createTestSchema();
    t.onTestFinished(async () => {
      await schema.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });
    const before = await startServer(null, { dataDir }, { storage: (dir) => new SqliteStorage(dir) });
    await send(before, CAR.deviceId, [{ time: Date.now() - 5_000, at: [120.3, 30.5], alarm: 'sos' }]);
    const [sos] = (await storedAlerts(before)).filter((a) => a.kind === 'sos');
    expect(sos).toBeDefined();
    await before.close();
    // What an earlier version let into the embedded store: NULs in an alarm and a rule's name.
    const db = new Database(join(dataDir, 'jointmap.sqlite'));
    db.exec(`UPDATE positions_track SET alarm = 'sos' || char(0) || 'x'`);
    // An alarm that was only a NUL, and an SOS alert's copy of an alarm (JSON keeps it as \u0000).
    db.exec(`UPDATE positions_latest SET alarm = char(0)`);
    db.prepare(`UPDATE alerts SET rule_name = rule_name || char(0) || '旧' WHERE id = ?`).run(sos!.id);
    const { evidence } = db.prepare('SELECT evidence FROM alerts WHERE id = ?').get(sos!.id) as { evidence: string };
    const withNul = JSON.stringify({ ...JSON.parse(evidence), alarm: 'S\0OS' });
    expect(withNul).toContain('\\u0000');
    db.prepare('UPDATE alerts SET evidence = ? WHERE id = ?').run(withNul, sos!.id);
    db.close();

    const { rows } = await migrateToPostgres(dataDir, schema.url);
    expect(rows.positions_track).toBe(1);
    expect(rows.alerts).toBeGreaterThanOrEqual(1);
    const track = await query(schema.url, 'SELECT alarm FROM positions_track');
    const latest = await query(schema.url, 'SELECT alarm FROM positions_latest');
    // `->>` refuses a JSON NUL (and so does ending the alert's SOS press on PostgreSQL).
    const alert = await query(schema.url, `SELECT rule_name, evidence->>'alarm' AS alarm FROM alerts WHERE id = $1`, [
      sos!.id,
    ]);
    expect([track[0]?.alarm, latest[0]?.alarm, alert[0]?.rule_name, alert[0]?.alarm]).toEqual([
      'sosx',
      null,
      `${sos!.ruleName}旧`,
      'SOS',
    ]);
  });
});

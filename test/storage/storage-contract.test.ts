import { describe, expect, test } from 'vitest';
import { docFromStored } from '@jointmap/server/storage/stored-doc';
import { account, backends, mapOf, mapUpdate, operation, station } from './storage-backends.ts';

/**
 * The same promises of the `Storage` interface, checked on every backend: SQLite (embedded) and
 * PostgreSQL (a fresh schema per test). Tracks, alerts, retention and archives:
 * storage-contract-tracks.test.ts.
 */
describe.each(backends)('storage contract: $name', (backend) => {
  test('the update log numbers each document 1, 2, 3 … and keeps who wrote what', async (t) => {
    const { storage } = await backend.open(t);
    const author = { sessionId: 's-1', userId: 'u-1' };
    expect(await storage.appendUpdate('op/a', mapUpdate('k1', 'v1'), author)).toBe(1);
    expect(await storage.appendUpdate('op/b', mapUpdate('x', 'y'), { sessionId: null, userId: null })).toBe(1);
    expect(await storage.appendUpdate('op/a', mapUpdate('k2', 'v2', 2), author)).toBe(2);
    expect(await storage.appendUpdate('op/a', mapUpdate('k3', 'v3', 3), author)).toBe(3);
    const log = await storage.readUpdateLog('op/a');
    expect(log.map((u) => u.seq)).toEqual([1, 2, 3]);
    expect(log[0]).toMatchObject({ sessionId: 's-1', userId: 'u-1' });
    expect(log[0]!.time).toBeGreaterThan(0);
    expect((await storage.readUpdateLog('op/b'))[0]).toMatchObject({ seq: 1, sessionId: null, userId: null });
    expect(mapOf(log.map((u) => u.update))).toEqual({ k1: 'v1', k2: 'v2', k3: 'v3' });
    expect(await storage.readUpdateLog('op/none')).toEqual([]);
  });

  test('a snapshot covers the log up to its seq; loading reads it plus the updates after it', async (t) => {
    const { storage } = await backend.open(t);
    const author = { sessionId: null, userId: null };
    const updates = [mapUpdate('a', '1', 1), mapUpdate('b', '2', 2), mapUpdate('c', '3', 3)];
    for (const u of updates) await storage.appendUpdate('d', u, author);
    expect(await storage.loadDoc('d')).toMatchObject({ snapshot: null, snapshotSeq: 0, lastSeq: 3 });
    const state = docFromStored({ snapshot: null, snapshotSeq: 0, updates: updates.slice(0, 2), lastSeq: 2 });
    const { encodeStateAsUpdate } = await import('yjs');
    await storage.saveSnapshot('d', 2, encodeStateAsUpdate(state));
    const loaded = await storage.loadDoc('d');
    expect(loaded).toMatchObject({ snapshotSeq: 2, lastSeq: 3 });
    expect(loaded.updates).toHaveLength(1);
    expect(docFromStored(loaded).getMap('m').toJSON()).toEqual({ a: '1', b: '2', c: '3' });
    // An older snapshot never replaces a newer one.
    await storage.saveSnapshot('d', 1, mapUpdate('a', '1', 1));
    expect((await storage.loadDoc('d')).snapshotSeq).toBe(2);
    // The log itself is never truncated by a snapshot.
    expect((await storage.readUpdateLog('d')).map((u) => u.seq)).toEqual([1, 2, 3]);
  });

  test('documents, accounts and settings survive a restart on the same data', async (t) => {
    const opened = await backend.open(t);
    await opened.storage.appendUpdate('d', mapUpdate('a', '1'), { sessionId: null, userId: null });
    await opened.storage.upsertStation(station('s1'));
    await opened.storage.setSetting('token_secret', 'abc');
    const again = await opened.reopen();
    expect(
      docFromStored(await again.loadDoc('d'))
        .getMap('m')
        .toJSON(),
    ).toEqual({ a: '1' });
    expect(await again.appendUpdate('d', mapUpdate('b', '2', 2), { sessionId: null, userId: null })).toBe(2);
    expect((await again.getStation('s1'))?.name).toBe('站 s1');
    expect(await again.getSetting('token_secret')).toBe('abc');
    await again.setSetting('token_secret', 'def');
    expect(await again.getSetting('token_secret')).toBe('def');
    expect(await again.getSetting('nope')).toBeNull();
    await again.ping();
  });

  test('stations, accounts and devices: upserts, lookups, order and an all-or-nothing batch', async (t) => {
    const { storage } = await backend.open(t);
    const area = {
      type: 'Polygon' as const,
      coordinates: [
        [
          [120, 30],
          [121, 30],
          [121, 31],
          [120, 30],
        ],
      ],
    };
    await storage.applyAccounts({
      stations: [station('s2'), station('s1', { jurisdiction: area, adcode: '330521' })],
      accounts: [account('a1', 's1'), account('cmd', null, { role: 'commander' })],
      devices: [{ id: 'dev-1', stationId: 's1', unitId: 'car-01', label: '车 1', createdAt: 7 }],
    });
    expect((await storage.listStations()).map((s) => s.id)).toEqual(['s1', 's2']);
    expect(await storage.getStation('s1')).toEqual(station('s1', { jurisdiction: area, adcode: '330521' }));
    expect(await storage.getAccountByUsername('u-a1')).toEqual(account('a1', 's1'));
    expect(await storage.getAccount('cmd')).toEqual(account('cmd', null, { role: 'commander' }));
    expect(await storage.getAccount('none')).toBeNull();
    expect(await storage.countAccounts()).toBe(2);
    expect(await storage.devicesOfUnit('car-01')).toEqual([
      { id: 'dev-1', stationId: 's1', unitId: 'car-01', label: '车 1', createdAt: 7 },
    ]);
    // A device of an unknown station fails the batch: the station and account before it are not stored.
    await expect(
      storage.applyAccounts({
        stations: [station('s3')],
        accounts: [account('a3', 's3')],
        devices: [{ id: 'dev-x', stationId: 'missing', unitId: null, label: 'x', createdAt: 1 }],
      }),
    ).rejects.toThrow();
    expect(await storage.getStation('s3')).toBeNull();
    expect(await storage.getAccount('a3')).toBeNull();
    await storage.upsertAccount(account('a1', 's2', { name: '改名' }));
    expect((await storage.getAccount('a1'))?.stationId).toBe('s2');
  });

  test('putDeviceIf writes only while the device is where the caller saw it', async (t) => {
    const { storage } = await backend.open(t);
    await storage.applyAccounts({ stations: [station('s1'), station('s2')], accounts: [], devices: [] });
    const dev = { id: 'trk-9', stationId: 's1', unitId: 'car-01', label: 't', createdAt: 1 };
    expect(await storage.putDeviceIf(dev, null)).toBe(true);
    // Another station claiming the "new" id it saw as absent: refused, nothing written.
    expect(await storage.putDeviceIf({ ...dev, stationId: 's2' }, null)).toBe(false);
    expect((await storage.getDevice('trk-9'))?.stationId).toBe('s1');
    expect(await storage.putDeviceIf({ ...dev, stationId: 's2' }, 's1')).toBe(true);
    expect(await storage.listDevices('s2')).toHaveLength(1);
    expect(await storage.listDevices('s1')).toEqual([]);
    expect((await storage.listDevices()).map((d) => d.id)).toEqual(['trk-9']);
  });

  test('createOperation stores the operation and its first command update together, or neither', async (t) => {
    const { storage } = await backend.open(t);
    const meta = { doc: 'op1/command', update: mapUpdate('name', 'x'), author: { sessionId: null, userId: 'cmd' } };
    await storage.createOperation(operation('op1'), meta);
    expect(await storage.getOperation('op1')).toMatchObject({ ...operation('op1'), closedAt: null, purgedAt: null });
    expect((await storage.readUpdateLog('op1/command')).map((u) => u.seq)).toEqual([1]);
    // The same id again: the insert fails, so the update must not be logged either.
    await expect(
      storage.createOperation(operation('op1'), { ...meta, update: mapUpdate('name', 'y', 2) }),
    ).rejects.toThrow();
    expect((await storage.readUpdateLog('op1/command')).map((u) => u.seq)).toEqual([1]);
    expect(await storage.appendUpdate('op1/command', mapUpdate('z', 'z', 3), meta.author)).toBe(2);
    await storage.createOperation(operation('op0', { createdAt: 4_000 }));
    await storage.createOperation(operation('op2', { createdAt: 5_000 }));
    expect((await storage.listOperations()).map((o) => o.id)).toEqual(['op1', 'op2', 'op0']);
  });

  test('sessions: renew, end, and the feed of ended sessions in order, each once', async (t) => {
    const { storage } = await backend.open(t);
    await storage.createSession({ id: 'x1', accountId: 'a', createdAt: 1, expiresAt: 100 });
    await storage.createSession({ id: 'x2', accountId: 'a', createdAt: 1, expiresAt: 100 });
    expect(await storage.lastSessionEndSeq()).toBe(0);
    expect(await storage.renewSession('x1', 200, 50)).toBe(true);
    expect(await storage.renewSession('x1', 150, 50)).toBe(true); // never shortens
    expect((await storage.getSession('x1'))?.expiresAt).toBe(200);
    expect(await storage.renewSession('x2', 300, 100)).toBe(false); // expired by now
    expect(await storage.endSession('x1', 'logout', 60)).toBe(true);
    expect(await storage.endSession('x1', 'logout', 61)).toBe(false);
    expect(await storage.renewSession('x1', 400, 70)).toBe(false);
    expect(await storage.getSession('x1')).toEqual({
      id: 'x1',
      accountId: 'a',
      createdAt: 1,
      expiresAt: 200,
      endedAt: 60,
      endReason: 'logout',
    });
    await storage.endSession('x2', 'logout', 62);
    const feed = await storage.sessionEndsAfter(0, 10);
    expect(feed.map((e) => [e.sessionId, e.reason, e.expiresAt])).toEqual([
      ['x1', 'logout', 200],
      ['x2', 'logout', 100],
    ]);
    expect(feed[1]!.seq).toBeGreaterThan(feed[0]!.seq);
    expect(await storage.lastSessionEndSeq()).toBe(feed[1]!.seq);
    expect(await storage.sessionEndsAfter(feed[0]!.seq, 10)).toEqual([feed[1]]);
    expect(await storage.sessionEndsAfter(0, 1)).toEqual([feed[0]]);
    await storage.pruneSessions(150);
    expect(await storage.getSession('x2')).toBeNull();
    expect(await storage.getSession('x1')).not.toBeNull();
    expect((await storage.sessionEndsAfter(0, 10)).map((e) => e.sessionId)).toEqual(['x1']);
  });

  test("an account's disabling, new role, station or password, or removal ends its open sessions in the feed", async (t) => {
    const opened = await backend.open(t);
    const { storage } = opened;
    await storage.applyAccounts({ stations: [station('s1'), station('s2')], accounts: [], devices: [] });
    for (const [id, acc] of [
      ['d', 'ad'],
      ['r', 'ar'],
      ['s', 'as'],
      ['p', 'ap'],
      ['h', 'ah'],
      ['n', 'an'],
      ['x', 'ax'],
    ] as const) {
      await storage.upsertAccount(account(acc, 's1'));
      await storage.createSession({ id, accountId: acc, createdAt: 1, expiresAt: 9e12 });
    }
    await storage.upsertAccount(account('ad', 's1', { disabled: true }));
    await storage.upsertAccount(account('ar', 's1', { role: 'viewer' }));
    await storage.applyAccounts({ stations: [], accounts: [account('as', 's2')], devices: [] });
    // A new password hash: a leaked token must not outlive a password reset, whichever path wrote it.
    await storage.upsertAccount(account('ap', 's1', { passwordHash: 'other' }));
    await opened.exec("UPDATE accounts SET password_hash = 'by-hand' WHERE id = 'ah'");
    // A new name alone, or the same hash written again (an unchanged accounts file), ends nothing.
    await storage.upsertAccount(account('an', 's1', { name: 'n' }));
    await storage.applyAccounts({ stations: [], accounts: [account('an', 's1', { name: 'n' })], devices: [] });
    await opened.exec("DELETE FROM accounts WHERE id = 'ax'");
    const feed = await storage.sessionEndsAfter(0, 100);
    expect(feed.map((e) => [e.sessionId, e.reason])).toEqual([
      ['d', 'account_changed'],
      ['r', 'account_changed'],
      ['s', 'account_changed'],
      ['p', 'account_changed'],
      ['h', 'account_changed'],
      ['x', 'account_changed'],
    ]);
    expect((await storage.getSession('d'))?.endReason).toBe('account_changed');
    expect((await storage.getSession('d'))?.endedAt).toBeGreaterThan(0);
    expect((await storage.getSession('n'))?.endedAt).toBeNull();
    // Already ended: a second change adds nothing.
    await storage.upsertAccount(account('ad', 's2', { disabled: true }));
    expect(await storage.sessionEndsAfter(feed.at(-1)!.seq, 100)).toEqual([]);
  });

  test('applyAccounts disables the accounts an earlier batch wrote and this one lacks, no others', async (t) => {
    const opened = await backend.open(t);
    const { storage } = opened;
    await storage.upsertStation(station('s1'));
    // Written only by upsertAccount (the demo seed): never the accounts file's.
    await storage.upsertAccount(account('demo', 's1'));
    const batch = { stations: [], devices: [] };
    expect(await storage.applyAccounts({ ...batch, accounts: [account('f1', 's1'), account('f2', 's1')] })).toEqual({
      retired: [],
    });
    for (const acc of ['demo', 'f1', 'f2']) {
      await storage.createSession({ id: `x-${acc}`, accountId: acc, createdAt: 1, expiresAt: 9e12 });
    }
    const seq = await storage.lastSessionEndSeq();
    // A batch that fails (a device of an unknown station) changes no mark and disables nothing.
    const badDevice = { id: 'dev-x', stationId: 'missing', unitId: null, label: 'x', createdAt: 1 };
    await expect(storage.applyAccounts({ stations: [], accounts: [], devices: [badDevice] })).rejects.toThrow();
    expect((await storage.getAccount('f2'))?.disabled).toBe(false);
    expect(await storage.sessionEndsAfter(seq, 100)).toEqual([]);
    expect(await storage.applyAccounts({ ...batch, accounts: [account('f1', 's1')] })).toEqual({ retired: ['u-f2'] });
    expect((await storage.getAccount('f2'))?.disabled).toBe(true);
    expect((await storage.getAccount('f1'))?.disabled).toBe(false);
    expect((await storage.getAccount('demo'))?.disabled).toBe(false);
    expect((await storage.sessionEndsAfter(seq, 100)).map((e) => [e.sessionId, e.reason])).toEqual([
      ['x-f2', 'account_changed'],
    ]);
    // Unmarked once disabled: an empty batch then retires only f1, and a later one nobody.
    expect(await storage.applyAccounts({ ...batch, accounts: [] })).toEqual({ retired: ['u-f1'] });
    expect(await storage.applyAccounts({ ...batch, accounts: [] })).toEqual({ retired: [] });
    // The marks survive a restart.
    const again = await opened.reopen();
    expect(await again.applyAccounts({ ...batch, accounts: [account('f2', 's1')] })).toEqual({ retired: [] });
    expect((await again.getAccount('f2'))?.disabled).toBe(false);
    expect(await again.applyAccounts({ ...batch, accounts: [] })).toEqual({ retired: ['u-f2'] });
    expect((await again.getAccount('demo'))?.disabled).toBe(false);
  });
});

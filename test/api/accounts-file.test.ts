import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadAccountsFile } from '@jointmap/server/seed/accounts-file';
import type { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import { startServer, tempDir, type Teardown, type TestServer } from '../helpers/server.ts';

function fileDir(t: Teardown): string {
  const dir = tempDir('jointmap-accounts-');
  t.onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const square = (lng: number, lat: number) => ({
  type: 'Polygon',
  coordinates: [
    [
      [lng, lat],
      [lng + 0.05, lat],
      [lng + 0.05, lat + 0.05],
      [lng, lat + 0.05],
      [lng, lat],
    ],
  ],
});

/** Every row of the tables an accounts file writes, in a fixed order. */
function rows(server: TestServer): Record<string, unknown[]> {
  const db = (server.ctx.storage as SqliteStorage).db;
  return Object.fromEntries(
    ['stations', 'accounts', 'devices'].map((table) => [table, db.prepare(`SELECT * FROM ${table} ORDER BY id`).all()]),
  );
}

/**
 * A file that changes an existing station and account and adds new ones, all valid, whose last
 * entry (the second station's area, or the last device) is replaced by `bad`.
 */
function writeFile(dir: string, bad: 'jurisdiction-not-polygon' | 'jurisdiction-missing' | 'device-station'): string {
  writeFileSync(
    join(dir, 'zhili.geojson'),
    JSON.stringify({ type: 'Feature', properties: {}, geometry: square(120.25, 30.8) }),
  );
  writeFileSync(
    join(dir, 'nanxun.geojson'),
    JSON.stringify({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [120.4, 30.87] } }),
  );
  const file = join(dir, 'accounts.json');
  writeFileSync(
    file,
    JSON.stringify({
      stations: [
        { id: 'deqing-yuyue', name: '改名的禹越派出所', shortName: '禹越', color: '#123456' },
        {
          id: 'wuxing-zhili',
          name: '织里派出所',
          shortName: '织里',
          color: '#9333ea',
          jurisdictionFile: 'zhili.geojson',
        },
        {
          id: 'wuxing-nanxun',
          name: '南浔派出所',
          shortName: '南浔',
          color: '#0f766e',
          ...(bad === 'jurisdiction-not-polygon' ? { jurisdictionFile: 'nanxun.geojson' } : {}),
          ...(bad === 'jurisdiction-missing' ? { jurisdictionFile: 'no-such-file.geojson' } : {}),
        },
      ],
      accounts: [
        { username: 'deqing', name: '改名', role: 'viewer', password: 'new-password-1' },
        {
          username: 'zhili',
          name: '织里值班民警',
          role: 'dispatcher',
          stationId: 'wuxing-zhili',
          password: 'zhili-pass-1',
        },
      ],
      devices: [
        { id: 'zhili-drone-1', stationId: 'wuxing-zhili', label: '织里无人机' },
        { id: 'nanxun-car-1', stationId: bad === 'device-station' ? 'no-such-station' : 'wuxing-nanxun' },
      ],
    }),
  );
  return file;
}

describe('accounts file: all or nothing', () => {
  test.for([
    ['jurisdiction-not-polygon', /stations\[2\] \(wuxing-nanxun\): jurisdictionFile nanxun\.geojson: not a Polygon/],
    ['jurisdiction-missing', /stations\[2\] \(wuxing-nanxun\): jurisdictionFile no-such-file\.geojson: .*ENOENT/],
    ['device-station', /devices\[1\] \(nanxun-car-1\): unknown station "no-such-station"/],
  ] as const)('a file whose last entry is bad (%s) changes nothing and names the entry', async ([bad, message], t) => {
    const server = await startServer(t);
    const before = rows(server);
    const file = writeFile(fileDir(t), bad);
    const error = await loadAccountsFile(server.ctx, file).then(
      () => null,
      (err: Error) => err.message,
    );
    expect(rows(server)).toEqual(before);
    expect(error).toMatch(message);
    expect(error).toContain(file);
    // The old password still works, the new account does not exist.
    await expect(server.login('deqing')).resolves.toMatchObject({ user: { role: 'dispatcher' } });
    await expect(server.login('zhili', 'zhili-pass-1')).rejects.toThrow(/401/);
  });

  test('a write that fails in storage, after every check passed, changes nothing either', async (t) => {
    const server = await startServer(t);
    const before = rows(server);
    const file = writeFile(fileDir(t), 'jurisdiction-missing');
    const data = JSON.parse(readFileSync(file, 'utf8')) as { stations: Array<{ jurisdictionFile?: string }> };
    delete data.stations[2]!.jurisdictionFile;
    writeFileSync(file, JSON.stringify(data));
    // The last write (a device) fails as a full disk would.
    (server.ctx.storage as SqliteStorage).db.exec(
      `CREATE TEMP TRIGGER devices_full BEFORE INSERT ON devices BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`,
    );
    await expect(loadAccountsFile(server.ctx, file)).rejects.toThrow(/nothing was applied: database or disk is full/);
    expect(rows(server)).toEqual(before);
  });

  test('a good file is applied whole', async (t) => {
    const server = await startServer(t);
    const file = writeFile(fileDir(t), 'jurisdiction-missing');
    // Make the last entry good: the same file with the missing area dropped.
    const data = JSON.parse(readFileSync(file, 'utf8')) as {
      stations: Array<{ jurisdictionFile?: string }>;
    };
    delete data.stations[2]!.jurisdictionFile;
    writeFileSync(file, JSON.stringify(data));
    expect(await loadAccountsFile(server.ctx, file)).toEqual({ stations: 3, accounts: 2, devices: 2, retired: [] });
    const after = rows(server);
    expect(after.stations).toContainEqual(expect.objectContaining({ id: 'deqing-yuyue', name: '改名的禹越派出所' }));
    expect(after.stations).toContainEqual(expect.objectContaining({ id: 'wuxing-nanxun', jurisdiction: null }));
    expect(after.devices).toContainEqual(expect.objectContaining({ id: 'nanxun-car-1', station_id: 'wuxing-nanxun' }));
    await expect(server.login('deqing', 'new-password-1')).resolves.toMatchObject({ user: { role: 'viewer' } });
    await expect(server.login('zhili', 'zhili-pass-1')).resolves.toMatchObject({
      user: { role: 'dispatcher', stationId: 'wuxing-zhili' },
    });
  });

  test('applied again at the next start, a tracker listed without a unit keeps the unit the console gave it', async (t) => {
    const server = await startServer(t);
    const file = writeFile(fileDir(t), 'jurisdiction-missing');
    const data = JSON.parse(readFileSync(file, 'utf8')) as {
      stations: Array<{ jurisdictionFile?: string }>;
      devices: Array<{ id: string; unitId?: string | null }>;
    };
    delete data.stations[2]!.jurisdictionFile;
    writeFileSync(file, JSON.stringify(data));
    await loadAccountsFile(server.ctx, file);
    const first = (await server.ctx.storage.getDevice('nanxun-car-1'))!;
    // A dispatcher assigns it in the console.
    await server.ctx.storage.upsertDevice({ ...first, unitId: 'nanxun-car-01' });
    await loadAccountsFile(server.ctx, file);
    expect(await server.ctx.storage.getDevice('nanxun-car-1')).toEqual({ ...first, unitId: 'nanxun-car-01' });
    // A file that names the unit (or none, with null) still decides.
    data.devices[1]!.unitId = null;
    writeFileSync(file, JSON.stringify(data));
    await loadAccountsFile(server.ctx, file);
    expect((await server.ctx.storage.getDevice('nanxun-car-1'))!.unitId).toBeNull();
  });
});

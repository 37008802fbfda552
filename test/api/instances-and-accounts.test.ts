import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { DEMO_OP, startServer, tempDir } from '../helpers/server.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { connectClient, eventually } from '../helpers/sync-client.ts';

describe('server instances', () => {
  test('three instances run side by side in one process without sharing state', async (t) => {
    const servers = await Promise.all([startServer(t), startServer(t), startServer(t)]);
    const clients = await Promise.all(
      servers.map(async (s, i) => {
        const { token } = await s.login('deqing');
        const c = await connectClient(t, s.wsUrl, `${DEMO_OP}/deqing-yuyue`, token);
        c.doc.getMap('annotations').set(`only-${i}`, pointAnnotation(`only-${i}`, `实例${i}`));
        return c;
      }),
    );
    for (const [i, s] of servers.entries()) {
      const { token } = await s.login('linping');
      const reader = await connectClient(t, s.wsUrl, `${DEMO_OP}/deqing-yuyue`, token);
      await eventually(() => reader.doc.getMap('annotations').has(`only-${i}`), 5000, `instance ${i}`);
      expect([...reader.doc.getMap('annotations').keys()]).toEqual([`only-${i}`]);
    }
    expect(clients).toHaveLength(3);
  });

  test('idle rooms unload and reload from snapshot + log with the same content', async (t) => {
    const server = await startServer(t, { roomIdleMs: 50, snapshotEvery: 10 });
    const { token } = await server.login('deqing');
    const name = `${DEMO_OP}/deqing-yuyue`;
    const c = await connectClient(t, server.wsUrl, name, token);
    for (let i = 0; i < 25; i++) c.doc.getMap('annotations').set(`a${i}`, pointAnnotation(`a${i}`, `${i}`));
    const reader = await connectClient(t, server.wsUrl, name, token);
    await eventually(() => reader.doc.getMap('annotations').size === 25, 5000, 'all 25 relayed');
    c.destroy();
    reader.destroy();
    await eventually(() => !server.ctx.rooms.has(name), 5000, 'room unloaded');
    const again = await connectClient(t, server.wsUrl, name, token);
    expect(again.doc.getMap('annotations').size).toBe(25);
    expect(again.doc.getMap('annotations').get('a24')).toMatchObject({ label: '24' });
  });
});

describe('accounts file', () => {
  test('stations, accounts and devices come from a config file; bad files fail with the path', async (t) => {
    const dir = tempDir();
    const file = join(dir, 'accounts.json');
    writeFileSync(
      join(dir, 'zhili.geojson'),
      JSON.stringify({
        type: 'Feature',
        properties: {},
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [120.25, 30.8],
              [120.3, 30.8],
              [120.3, 30.85],
              [120.25, 30.85],
              [120.25, 30.8],
            ],
          ],
        },
      }),
    );
    writeFileSync(
      file,
      JSON.stringify({
        stations: [
          {
            id: 'wuxing-zhili',
            name: '湖州市公安局吴兴区分局织里派出所',
            shortName: '织里',
            color: '#9333ea',
            jurisdictionFile: 'zhili.geojson',
          },
        ],
        accounts: [
          {
            username: 'zhili',
            name: '织里值班民警',
            role: 'dispatcher',
            stationId: 'wuxing-zhili',
            password: 'zhili-pass-1',
          },
        ],
        devices: [{ id: 'zhili-drone-1', stationId: 'wuxing-zhili', label: '织里无人机' }],
      }),
    );
    const server = await startServer(t, { accountsFile: file });
    const { user } = await server.login('zhili', 'zhili-pass-1');
    expect(user).toMatchObject({ role: 'dispatcher', stationId: 'wuxing-zhili', name: '织里值班民警' });
    expect((await server.ctx.storage.getStation('wuxing-zhili'))?.jurisdiction?.type).toBe('Polygon');
    expect((await server.ctx.storage.getDevice('zhili-drone-1'))?.label).toBe('织里无人机');

    writeFileSync(
      file,
      JSON.stringify({ accounts: [{ username: 'x', name: 'x', role: 'emperor', password: '12345678' }] }),
    );
    await expect(startServer(t, { accountsFile: file })).rejects.toThrow(/accounts\.json.*role/);
    writeFileSync(file, '{ not json');
    await expect(startServer(t, { accountsFile: file })).rejects.toThrow(/accounts\.json/);
  });
});

import { describe, expect, test } from 'vitest';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { connectClient } from '../helpers/sync-client.ts';

describe('operations API', () => {
  test('the demo operation, listing per role, creation with its command document', async (t) => {
    const server = await startServer(t);
    const commander = await server.login('commander');
    expect(commander.user).toMatchObject({ role: 'commander', stationId: null });
    const auth = { authorization: `Bearer ${commander.token}` };
    const view = (await (await fetch(`${server.url}/api/operations/${DEMO_OP}`, { headers: auth })).json()) as {
      documents: string[];
      stationDetails: Array<{ id: string; name: string }>;
    };
    expect(view.documents).toEqual([
      `${DEMO_OP}/command`,
      `${DEMO_OP}/deqing-yuyue`,
      `${DEMO_OP}/linping-yunhe`,
      `${DEMO_OP}/tongxiang-zhouquan`,
    ]);
    expect(view.stationDetails.map((s) => s.name)).toContain('德清县公安局禹越派出所');

    const created = await fetch(`${server.url}/api/operations`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: '危化品车辆监控', kind: 'monitoring', stations: ['tongxiang-zhouquan'] }),
    });
    expect(created.status).toBe(201);
    const op = (await created.json()) as { id: string; documents: string[] };
    expect(op.documents).toEqual([`${op.id}/command`, `${op.id}/tongxiang-zhouquan`]);

    // Dispatchers see only operations their station takes part in.
    const deqing = await server.login('deqing');
    const list = (await (
      await fetch(`${server.url}/api/operations`, { headers: { authorization: `Bearer ${deqing.token}` } })
    ).json()) as {
      operations: Array<{ id: string }>;
    };
    expect(list.operations.map((o) => o.id)).toEqual([DEMO_OP]);
    const hidden = await fetch(`${server.url}/api/operations/${op.id}`, {
      headers: { authorization: `Bearer ${deqing.token}` },
    });
    expect(hidden.status).toBe(404);

    // The command document carries the operation meta, readable by a stock client.
    const client = await connectClient(t, server.wsUrl, `${op.id}/command`, commander.token);
    expect(client.doc.getMap('meta').get('operation')).toMatchObject({
      name: '危化品车辆监控',
      stations: ['tongxiang-zhouquan'],
    });
    expect(client.doc.getMap('meta').get('schemaVersion')).toBe(1);

    // Health and metrics.
    expect(await (await fetch(`${server.url}/api/health`)).json()).toMatchObject({ status: 'ok', storage: 'sqlite' });
    const metrics = await (await fetch(`${server.url}/api/metrics`, { headers: auth })).text();
    expect(metrics).toMatch(/jointmap_sync_connections 1/);
    expect(metrics).toMatch(/jointmap_updates_committed_total \d+/);
  });

  test('metrics are read with METRICS_TOKEN or a commander token, and by nobody else', async (t) => {
    const server = await startServer(t, { metricsToken: 'scraper-secret-1234' });
    const get = (authorization?: string) =>
      fetch(`${server.url}/api/metrics`, { headers: authorization ? { authorization } : {} });
    const code = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

    const anonymous = await get();
    expect([anonymous.status, await code(anonymous)]).toEqual([401, 'UNAUTHENTICATED']);
    const wrong = await get('Bearer scraper-secret-0000');
    expect([wrong.status, await code(wrong)]).toEqual([401, 'UNAUTHENTICATED']);
    const dispatcher = await get(`Bearer ${(await server.login('deqing')).token}`);
    expect([dispatcher.status, await code(dispatcher)]).toEqual([403, 'FORBIDDEN']);
    const wall = await get(`Bearer ${(await server.login('wall')).token}`);
    expect([wall.status, await code(wall)]).toEqual([403, 'FORBIDDEN']);

    const scraper = await get('Bearer scraper-secret-1234');
    expect(scraper.status).toBe(200);
    expect(await scraper.text()).toMatch(/^# HELP jointmap_/m);
    const commander = await get(`Bearer ${(await server.login('commander')).token}`);
    expect(commander.status).toBe(200);
  });
});

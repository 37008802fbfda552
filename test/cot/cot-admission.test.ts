import { describe, expect, it } from 'vitest';
import { CotBridge, MAX_CONNECTIONS, MAX_UNIDENTIFIED, type CotBridgeOptions } from '@jointmap/server/cot/cot-bridge';
import { LiveService } from '@jointmap/server/live/live-service';
import { createMetrics, type Metrics } from '@jointmap/server/metrics';
import { startServer, type Teardown, type TestServer } from '../helpers/server.ts';
import { api, eventually, traccarQuery } from '../live/live-helpers.ts';
import { connectTak, type TakClient } from './tak-client.ts';

const TAK_UID = 'ANDROID-5f3a9c0e21b7d4aa';

type Registry = Metrics['registry'];

/**
 * A second CoT bridge on the test server's storage and rooms, with its own live service, so that a
 * test can shorten what the server's own bridge takes from its defaults.
 */
async function bridgeOn(
  t: Teardown,
  server: TestServer,
  options: Pick<CotBridgeOptions, 'identifyMs' | 'maxUnidentified'>,
): Promise<{ port: number; registry: Registry }> {
  const { config, storage, rooms } = server.ctx;
  const { registry } = createMetrics();
  const live = new LiveService(
    storage,
    {
      limits: { maxFutureMs: config.ingestMaxFutureMs, maxAgeMs: config.ingestMaxAgeMs, maxFixes: 100 },
      ratePerSecond: 100,
      rateBurst: 100,
      thresholds: { staleAfterMs: config.staleAfterMs, lostAfterMs: config.lostAfterMs },
    },
    registry,
  );
  await live.start();
  const bridge = new CotBridge({
    ...{ port: 0, host: '127.0.0.1', tls: null, lostAfterMs: config.lostAfterMs },
    ...{ storage, rooms, live, registry, log: server.app.log },
    ...options,
  });
  const { port } = await bridge.listen();
  t.onTestFinished(async () => {
    await bridge.close();
    await live.close();
  });
  return { port, registry };
}

async function registerTak(server: TestServer): Promise<void> {
  const { token } = await server.login('commander');
  const res = await api(server, token, 'POST', '/api/devices', {
    id: TAK_UID,
    stationId: 'deqing-yuyue',
    unitId: 'yuyue-car-01',
  });
  expect(res.status).toBe(201);
}

const pongs = (tak: TakClient) => tak.events.filter((e) => e.raw.event._attributes.type === 't-x-c-t-r').length;

/** Resolves when the TAK connection has closed; fails the test after `ms`. */
const closedWithin = (tak: TakClient, ms: number, what: string) =>
  Promise.race([
    tak.closed,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: still connected`)), ms)),
  ]);

/** Identify a TAK client by a position of the registered uid; resolves once its pings are answered (identified only). */
async function identify(tak: TakClient): Promise<void> {
  tak.sendPosition(TAK_UID, { lng: 120.301, lat: 30.521 });
  for (const start = Date.now(); pongs(tak) === 0;) {
    if (Date.now() - start > 10_000) throw new Error('timed out waiting for the client to be identified');
    tak.send(tak.lib.CoT.ping());
    await new Promise((r) => setTimeout(r, 200));
  }
}

const dropped = async (registry: Registry) =>
  registry.getSingleMetricAsString('jointmap_cot_connections_dropped_total');

describe('TAK connections that do not identify cannot lock the port', () => {
  it('a connection that only pings, never identifying, is closed at the identify deadline; one that identified stays', async (t) => {
    const server = await startServer(t);
    await registerTak(server);
    const { port, registry } = await bridgeOn(t, server, { identifyMs: 3_000 });
    // Connected first: its deadline has passed once the pinging one is closed.
    const known = await connectTak(t, port);
    const pinger = await connectTak(t, port);
    const pinging = setInterval(() => pinger.send(pinger.lib.CoT.ping()), 200);
    t.onTestFinished(() => clearInterval(pinging));
    await identify(known);
    // Before the deadline, pings held the slot for ever (the idle timer counts them).
    await closedWithin(pinger, 30_000, 'the pinging connection');
    expect(pinger.bytes).toBe(0);
    expect(known.isClosed()).toBe(false);
    const before = pongs(known);
    known.send(known.lib.CoT.ping());
    await eventually(() => pongs(known) > before, 5_000, 'pong after the deadline');
    expect(await dropped(registry)).toMatch(/reason="identify_timeout"} 1/);
  });

  it('with as many unidentified connections as allowed, a new one closes the oldest of them, so a TAK client still gets in', async (t) => {
    // The default leaves most of the port to identified clients.
    expect(MAX_UNIDENTIFIED).toBeLessThan(MAX_CONNECTIONS / 3);
    const server = await startServer(t);
    await registerTak(server);
    expect((await traccarQuery(server.url, { id: 'demo-yunhe-01', lat: 30.41, lon: 120.28 })).status).toBe(200);
    const { port, registry } = await bridgeOn(t, server, { maxUnidentified: 4 });
    const open = async (n: number) => {
      const clients: TakClient[] = [];
      for (let i = 0; i < n; i++) clients.push(await connectTak(t, port));
      const gauge = async () => (await registry.getSingleMetric('jointmap_cot_connections')!.get()).values[0]!.value;
      for (const start = Date.now(); (await gauge()) < n && Date.now() - start < 10_000;)
        await new Promise((r) => setTimeout(r, 20));
      return clients;
    };
    const silent = await open(4);
    const late = await connectTak(t, port);
    await closedWithin(silent[0]!, 10_000, 'the oldest silent connection');
    expect([...silent.slice(1), late].filter((c) => c.isClosed())).toEqual([]);
    // A TAK client connecting now (past the same full pool) identifies and is served.
    const tak = await connectTak(t, port);
    await identify(tak);
    await closedWithin(silent[1]!, 10_000, 'the next oldest silent connection');
    expect(tak.isClosed()).toBe(false);
    expect(await dropped(registry)).toMatch(/reason="unidentified_pool"} 2/);
  });
});

import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { DEMO_OPERATION_ID } from '../seed/demo.ts';
import type { AppContext } from '../services/context.ts';
import { pgLease, type PgLease } from '../storage/pg-lease.ts';
import { sharedPool } from './demo-lease.ts';
import { DemoSimulator } from './demo-simulator.ts';
import { HazmatDemo } from './hazmat-demo.ts';
import { StoryPlayer } from './story-player.ts';
import { tricountyStory } from './tricounty-story.ts';

/** How often an instance without the demo tries to take it over (PostgreSQL: its holder may have gone). */
export const DEMO_LEASE_RETRY_MS = 5000;

/** What this instance runs of the demo while it holds it. */
interface Running {
  lease: PgLease | null;
  simulator: DemoSimulator | null;
  hazmat: HazmatDemo | null;
  player: StoryPlayer | null;
}

/**
 * The alive demo: once the server listens, and only when the demo operation exists and
 * `config.simulate` is on, drive its units through the real HTTP ingest on the server's own
 * address and play the tri-county story (once per data directory; `config.demoTimeScale` speeds
 * it up). On PostgreSQL, where several instances share the store, only the instance holding the
 * advisory lock `jointmap:demo` runs it; the others try again every `leaseRetryMs` and take over
 * when the holder goes (its process ends, or its connection breaks). Everything stops before the
 * server closes (registered ahead of the live service, whose `preClose` must come after ours).
 */
export function attachDemo(app: FastifyInstance, ctx: AppContext, options: { leaseRetryMs?: number } = {}): void {
  if (!ctx.config.simulate) return;
  const pool = sharedPool(ctx);
  const retryMs = options.leaseRetryMs ?? DEMO_LEASE_RETRY_MS;
  const deps = { rooms: ctx.rooms, storage: ctx.storage, log: ctx.log };
  let closing = false;
  let starting: Promise<void> | null = null;
  let running: Running | null = null;
  let stopping: Promise<void> = Promise.resolve();
  let retry: NodeJS.Timeout | null = null;
  let toldElsewhere = false;

  const stopRunning = (): Promise<void> => {
    const r = running;
    running = null;
    if (r)
      stopping = stopping.then(async () => {
        await r.player?.stop();
        await r.simulator?.stop();
        await r.hazmat?.stop();
        await r.lease?.release();
      });
    return stopping;
  };
  const later = (baseUrl: string) => {
    if (closing) return;
    retry = setTimeout(() => {
      retry = null;
      attempt(baseUrl);
    }, retryMs);
    retry.unref();
  };
  const attempt = (baseUrl: string) => {
    starting = run(baseUrl).catch(async (err: unknown) => {
      ctx.log.error({ err }, `demo could not start: ${(err as Error).message}`);
      await stopRunning();
      // PostgreSQL away (a restart): try again, or the demo would run on no instance until restarts.
      if (pool) later(baseUrl);
    });
  };

  async function run(baseUrl: string): Promise<void> {
    if (closing || !(await ctx.storage.getOperation(DEMO_OPERATION_ID))) return;
    const lease = pool ? await pgLease(pool, 'demo', false) : null;
    if (pool && !lease) {
      if (!toldElsewhere)
        ctx.log.info(
          '演示在另一实例运行 the demo simulator and story run on another instance (this one takes over if it stops)',
        );
      toldElsewhere = true;
      return later(baseUrl);
    }
    const r: Running = { lease, simulator: null, hazmat: null, player: null };
    running = r;
    if (closing) return;
    r.simulator = new DemoSimulator(deps, { operationId: DEMO_OPERATION_ID, baseUrl });
    const count = await r.simulator.start();
    ctx.log.info(`演示模拟 demo simulator: ${count} units report to ${baseUrl}/api/positions/osmand`);
    r.hazmat = new HazmatDemo(deps, { operationId: DEMO_OPERATION_ID, baseUrl });
    await r.hazmat.start();
    r.player = new StoryPlayer(tricountyStory, deps, {
      operationId: DEMO_OPERATION_ID,
      timeScale: ctx.config.demoTimeScale,
    });
    void r.player.play();
    lease?.onLost(() => {
      if (running !== r) return;
      ctx.log.warn(
        'the demo lock was lost (its PostgreSQL connection broke): the demo stops here until this instance locks it again',
      );
      starting = stopRunning().then(() => later(baseUrl));
    });
  }

  app.addHook('onListen', async () => {
    const baseUrl = ownUrl(app.server.address());
    if (baseUrl) attempt(baseUrl);
  });

  app.addHook('preClose', async () => {
    closing = true;
    if (retry) clearTimeout(retry);
    await starting;
    await stopRunning();
  });
}

/** The URL this server is reached at from inside the process (a wildcard address → loopback). */
export function ownUrl(address: AddressInfo | string | null): string | null {
  if (!address || typeof address === 'string') return null;
  if (address.family === 'IPv6') {
    const host = address.address === '::' ? '::1' : address.address;
    return `http://[${host}]:${address.port}`;
  }
  const host = address.address === '0.0.0.0' ? '127.0.0.1' : address.address;
  return `http://${host}:${address.port}`;
}

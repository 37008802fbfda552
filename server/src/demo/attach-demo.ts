import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { DEMO_OPERATION_ID } from '../seed/demo.ts';
import type { AppContext } from '../services/context.ts';
import { DemoSimulator } from './demo-simulator.ts';
import { HazmatDemo } from './hazmat-demo.ts';
import { StoryPlayer } from './story-player.ts';
import { tricountyStory } from './tricounty-story.ts';

/**
 * The alive demo: once the server listens, and only when the demo operation exists and
 * `config.simulate` is on, drive its units through the real HTTP ingest on the server's own
 * address and play the tri-county story (once per data directory; `config.demoTimeScale` speeds
 * it up). Both stop before the server closes (registered ahead of the live service, whose
 * `preClose` must come after ours).
 */
export function attachDemo(app: FastifyInstance, ctx: AppContext): void {
  if (!ctx.config.simulate) return;
  let starting: Promise<void> | null = null;
  let simulator: DemoSimulator | null = null;
  let player: StoryPlayer | null = null;
  let hazmat: HazmatDemo | null = null;
  const deps = { rooms: ctx.rooms, storage: ctx.storage, log: ctx.log };

  app.addHook('onListen', async () => {
    starting = (async () => {
      if (!(await ctx.storage.getOperation(DEMO_OPERATION_ID))) return;
      const baseUrl = ownUrl(app.server.address());
      if (!baseUrl) return;
      simulator = new DemoSimulator(deps, { operationId: DEMO_OPERATION_ID, baseUrl });
      const count = await simulator.start();
      ctx.log.info(`演示模拟 demo simulator: ${count} units report to ${baseUrl}/api/positions/osmand`);
      hazmat = new HazmatDemo(
        { rooms: ctx.rooms, storage: ctx.storage, log: ctx.log },
        { operationId: DEMO_OPERATION_ID, baseUrl },
      );
      await hazmat.start();
      player = new StoryPlayer(tricountyStory, deps, {
        operationId: DEMO_OPERATION_ID,
        timeScale: ctx.config.demoTimeScale,
      });
      void player.play();
    })().catch((err: unknown) => {
      ctx.log.error({ err }, `demo could not start: ${(err as Error).message}`);
    });
  });

  app.addHook('preClose', async () => {
    await starting;
    await player?.stop();
    await simulator?.stop();
    await hazmat?.stop();
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

import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Config } from '../config.ts';
import type { Storage } from '../storage/types.ts';
import type { LiveCluster } from './live-cluster.ts';
import type { OpenedRelay } from './open-relay.ts';

/** What `REDIS_URL` opens: both, or neither without it. */
export interface Cluster {
  /** Stored fixes, device registrations, rate limits and socket.io broadcasts shared by every instance. */
  liveCluster: LiveCluster | null;
  /** Document updates and presence relayed to the other instances, and hints of changed documents. */
  docRelay: OpenedRelay | null;
}

/**
 * Open the links to the other instances when `REDIS_URL` is set (server/src/cluster/), closed with
 * `app`. Their modules are loaded only then (a single instance does not carry them in memory). On a
 * failure what was opened is closed, and so is `storage`, before the error goes on.
 */
export async function openCluster(
  app: FastifyInstance,
  config: Config,
  storage: Storage,
  log: FastifyBaseLogger,
  registry: Registry,
): Promise<Cluster> {
  if (!config.redisUrl) return { liveCluster: null, docRelay: null };
  const fail = async (err: unknown, opened?: LiveCluster) => {
    await opened?.close();
    await storage.close();
    throw err;
  };
  const { openLiveCluster } = await import('./live-cluster.ts');
  const liveCluster = await openLiveCluster(config.redisUrl, config.redisPrefix, log, registry).catch(fail);
  app.addHook('onClose', async () => liveCluster.close());
  const { openDocRelay } = await import('./open-relay.ts');
  const docRelay = await openDocRelay(config, storage, log).catch((err: unknown) => fail(err, liveCluster));
  if (docRelay) app.addHook('onClose', async () => docRelay.close());
  return { liveCluster, docRelay };
}

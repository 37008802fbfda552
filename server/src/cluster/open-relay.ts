import type { Config } from '../config.ts';
import type { DocRelay } from '../rooms/relay-port.ts';
import { PgStorage } from '../storage/pg-storage.ts';
import type { Storage } from '../storage/types.ts';
import { REDIS_NEEDS_POSTGRES } from './redis-needs-postgres.ts';
import { DocChangeHints } from './doc-change-hints.ts';
import { RedisDocRelay } from './doc-relay.ts';
import { pgUpdatesAfter } from './pg-catch-up.ts';
import { RedisLink, type RedisLog } from './redis-link.ts';

export interface OpenedRelay {
  relay: DocRelay;
  /** Which documents changed on the other instances (for what follows documents without a room). */
  hints: DocChangeHints;
  /** Both Redis connections are up (readiness). */
  readonly isReady: boolean;
  close(): Promise<void>;
}

export { REDIS_NEEDS_POSTGRES };

/**
 * The document relay between instances when `REDIS_URL` is set (null otherwise). It needs the
 * documents in PostgreSQL: that log is where an instance catches up on what Redis did not bring.
 */
export async function openDocRelay(config: Config, storage: Storage, log: RedisLog): Promise<OpenedRelay | null> {
  if (!config.redisUrl) return null;
  if (!(storage instanceof PgStorage)) throw new Error(REDIS_NEEDS_POSTGRES);
  const link = await RedisLink.open(config.redisUrl, log);
  const relay = new RedisDocRelay(link, config.redisPrefix, pgUpdatesAfter(storage.pool), log);
  const hints = await DocChangeHints.open(link, `${config.redisPrefix}docs:changed`, log);
  return {
    relay,
    hints,
    get isReady() {
      return link.isReady;
    },
    async close() {
      relay.close();
      hints.close();
      await link.close();
    },
  };
}

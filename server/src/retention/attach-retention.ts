import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../services/context.ts';
import { pgRetentionLock } from '../storage/pg-retention.ts';
import type { PgStorage } from '../storage/pg-storage.ts';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import { retentionRoutes } from './retention-routes.ts';
import { RetentionService } from './retention-service.ts';

/** Track retention, store figures and the free-disk warning: the service, its routes, its timers. */
export function attachRetention(app: FastifyInstance, ctx: AppContext): RetentionService {
  const { config } = ctx;
  const pg = ctx.storage.kind === 'postgres' ? (ctx.storage as PgStorage) : null;
  const retention = new RetentionService({
    store: ctx.storage,
    policy: {
      fullDays: config.trackFullDays,
      keepDays: config.trackKeepDays,
      toleranceM: config.trackThinToleranceM,
      batch: config.retentionBatch,
    },
    // Instances sharing a PostgreSQL store run one at a time; SQLite has one instance.
    lock: pg ? pgRetentionLock(pg.pool) : undefined,
    intervalMs: config.retentionIntervalMs,
    sqliteFile: ctx.storage instanceof SqliteStorage ? ctx.storage.db.name : null,
    measureStore: pg ? (now) => pg.figures(now) : null,
    dataDir: config.dataDir,
    warnFreeBytes: config.diskWarnFreeMib * 1024 * 1024,
    registry: ctx.metrics.registry,
    log: ctx.log,
  });
  retentionRoutes(app, ctx, retention);
  app.addHook('onReady', async () => retention.start());
  app.addHook('preClose', async () => {
    // A run under way stops after its current transaction; storage closes after preClose.
    await retention.stop();
  });
  return retention;
}

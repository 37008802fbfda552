import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import { liveRoomName, parseDocName, type NamedDoc } from '@jointmap/shared';
import { SessionService } from './auth/sessions.ts';
import { TokenService } from './auth/tokens.ts';
import type { Config } from './config.ts';
import { createMetrics } from './metrics.ts';
import { registerAuth } from './plugins/auth.ts';
import { frameworkErrors, registerErrorHandler } from './plugins/errors.ts';
import { stateServerTime } from './plugins/server-time.ts';
import { registerRefusedUploadDrain } from './plugins/refused-upload.ts';
import { loggerOptions } from './plugins/log-redact.ts';
import { RoomManager } from './rooms/room-manager.ts';
import { authRoutes } from './routes/auth.ts';
import { basemapRoutes } from './routes/basemap.ts';
import { healthRoutes } from './routes/health.ts';
import { operationRoutes } from './routes/operations.ts';
import { syncRoutes } from './routes/sync.ts';
import { deviceRoutes } from './routes/devices.ts';
import { positionRoutes } from './routes/positions.ts';
import { unitRoutes } from './routes/units.ts';
import { LiveService } from './live/live-service.ts';
import { attachLiveSockets, narrowClosedViewers } from './live/live-sockets.ts';
import { registerSocketIo } from './plugins/socket-io.ts';
import { CoverageService } from './search/coverage-service.ts';
import { AlertService } from './alerts/alert-service.ts';
import { alertRoutes } from './routes/alerts.ts';
import { attachDemo } from './demo/attach-demo.ts';
import { attachRetention } from './retention/attach-retention.ts';
import { attachArchives } from './archive/archive-routes.ts';
import { OPERATION_WATCH_MS, OperationWatch } from './archive/operation-watch.ts';
import { importRoutes } from './interop/import-routes.ts';
import { exportRoutes } from './interop/export-routes.ts';
import { reportRoutes } from './report/report-routes.ts';
import { reportMapRoutes } from './report/report-map-routes.ts';
import { OperationReplays } from './report/operation-replay.ts';
import { openCluster } from './cluster/open-cluster.ts';
import { followHints } from './cluster/follow-hints.ts';
import { replayRoutes } from './replay/replay-routes.ts';
import { ReplayCheckpointWriter } from './replay/checkpoint-writer.ts';
import { attachCot } from './cot/attach-cot.ts';
import type { CotBridge } from './cot/cot-bridge.ts';
import { loadAccountsFile } from './seed/accounts-file.ts';
import { seedDemo, type DemoLogin } from './seed/demo.ts';
import type { AppContext } from './services/context.ts';
import { SqliteStorage } from './storage/sqlite-storage.ts';
import type { Storage } from './storage/types.ts';
import { EndedTaskRelease } from './tasks/ended-release.ts';
import { REDIS_NEEDS_POSTGRES } from './cluster/redis-needs-postgres.ts';
import { claimSetting } from './cluster/claim-setting.ts';
import { takeYieldingIds } from './cluster/yielding-ids.ts';

export interface BuiltApp {
  app: FastifyInstance;
  ctx: AppContext;
  /** Demo logins created by this start (first start only). */
  demoLogins: DemoLogin[];
  /** The alert engine (tests wait on it with `whenIdle`, drive signal checks with `checkSignals`). */
  alerts: AlertService;
  /** Releases units left on ended tasks (tests stop it with `close` to drive their own). */
  endedRelease: EndedTaskRelease;
  /** Search coverage (tests wait on it with `whenIdle`: its walks of the stored logs included). */
  coverage: CoverageService;
}

/**
 * Build the whole server for a config. Never listens and keeps no module-level state, so a test
 * can run several in one process. `storage` may be injected (tests of failure paths).
 */
export async function buildApp(
  config: Config,
  options: { storage?: Storage; logger?: boolean | object } = {},
): Promise<BuiltApp> {
  // Several instances share documents through PostgreSQL; Redis only relays between them.
  if (config.redisUrl && !config.databaseUrl && !options.storage) throw new Error(REDIS_NEEDS_POSTGRES);
  // DATABASE_URL selects PostgreSQL (one instance until the relay exists); else embedded SQLite.
  const storage: Storage =
    options.storage ??
    (config.databaseUrl
      ? await (
          await import('./storage/pg-storage.ts')
        ).PgStorage.open(config.databaseUrl, {
          onIdleError: (err) => app.log.warn({ err }, 'an idle PostgreSQL connection failed'),
        })
      : new SqliteStorage(config.dataDir, { synchronous: config.sqliteSynchronous }));
  const app = Fastify({
    // A caller's logger options (tests pass a stream) keep the token-redacting serializers.
    logger:
      options.logger === false
        ? false
        : loggerOptions(
            config.logLevel,
            typeof options.logger === 'object' ? (options.logger as Record<string, unknown>) : {},
          ),
    bodyLimit: config.maxBodyBytes,
    trustProxy: config.trustProxy,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    frameworkErrors,
  });
  const metrics = createMetrics();
  // REDIS_URL: live fixes, rate limits and broadcasts, and document updates and presence, are
  // shared with the other instances (server/src/cluster/).
  const { liveCluster, docRelay } = await openCluster(app, config, storage, app.log, metrics.registry);
  const secret = config.tokenSecret ?? (await storedSecret(storage));
  // Set once the live service exists; follows the command documents' searches and sectors.
  let coverage: CoverageService | null = null;
  // Set once the live service exists; follows the rules and rosters of every document.
  let alerting: AlertService | null = null;
  // Set once the live service exists (COT_PORT set); follows the documents TAK clients see.
  let cotBridge: CotBridge | null = null;
  // Set with REDIS_URL once the alerts exist; follows operations closed or purged on other instances.
  let operationWatch: OperationWatch | null = null;
  // Set once the rooms exist; releases units left on tasks that ended.
  let taskRelease: EndedTaskRelease | null = null;
  // A document changed here or on another instance: the services that follow documents re-read it.
  const docChanged = (doc: NamedDoc, roots: ReadonlySet<string>) => {
    coverage?.onCommitted(doc, roots);
    alerting?.onCommitted(doc, roots);
    cotBridge?.onCommitted(doc, roots);
    operationWatch?.onCommitted(doc, roots);
  };
  // A document changed here: its followers here read it again (null `doc`: none), other instances hear.
  const changedHere = (name: string, doc: NamedDoc | null, roots: ReadonlySet<string>) => {
    if (doc) docChanged(doc, roots);
    docRelay?.hints.publish(name, roots);
  };
  // Stores replay checkpoints as the update logs grow (docs/replay.md, Stored checkpoints).
  const replayCheckpoints = new ReplayCheckpointWriter(storage, {
    onError: (doc, err) => app.log.warn({ doc, err }, 'replay checkpoint not stored'),
    // Alone on its logs, an instance's room snapshots are the logs applied.
    fromSnapshots: !docRelay,
  });
  const rooms = new RoomManager(storage, {
    idleMs: config.roomIdleMs,
    snapshotEvery: config.snapshotEvery,
    awarenessTickMs: config.awarenessTickMs,
    awarenessRenewalMs: config.awarenessRenewalMs,
    commitTickMs: config.syncCommitTickMs,
    loadRetries: config.roomLoadRetries,
    loadBackoffMs: config.roomLoadBackoffMs,
    ...(docRelay ? { relay: docRelay.relay } : {}),
    isPurged: async (operationId) => (await storage.getOperation(operationId))?.purgedAt != null,
    onLoadFailed: (room, err, willRetry) => {
      metrics.roomLoadFailures.inc({ outcome: willRetry ? 'retried' : 'gave_up' });
      if (willRetry) app.log.warn({ room, err }, 'room load failed; retrying');
      else app.log.error({ room, err }, 'room load failed; clients are refused with STORAGE_UNAVAILABLE');
    },
    hooks: {
      onRejected: (room, session, code, detail) => {
        metrics.rejected.inc({ code });
        app.log.warn({ room, user: session.user.id, session: session.sessionId, code }, `update refused: ${detail}`);
      },
      onCommitted: (room, bytes, _recipients, roots) => {
        metrics.updatesCommitted.inc();
        metrics.updateBytes.inc(bytes);
        replayCheckpoints.appended(room.name);
        changedHere(room.name, room, roots);
        taskRelease?.onCommitted(room, roots);
      },
      onSnapshot: (room, seq, state) => void replayCheckpoints.snapshotted(room, seq, state),
      onFailed: (room, err) => {
        metrics.storageFailures.inc();
        app.log.error({ room, err }, 'storage failure in room');
      },
      onRelayed: (room, roots) => {
        docChanged(room, roots);
        taskRelease?.onRelayed(room, roots);
      },
    },
  });
  const endedRelease = new EndedTaskRelease({
    storage,
    rooms,
    log: app.log,
    takeIds: (count) => takeYieldingIds(storage, count),
  });
  taskRelease = endedRelease;
  const tokens = new TokenService(secret, config.tokenTtlSeconds);
  const ctx: AppContext = {
    config,
    storage,
    rooms,
    tokens,
    sessions: new SessionService(storage, tokens, {
      onError: (err) => app.log.warn({ err }, 'session feed read failed'),
    }),
    metrics,
    log: app.log,
    replays: new OperationReplays(storage),
    documentWritten: (name, roots) => {
      const named = parseDocName(name);
      changedHere(name, named && { ...named, name }, roots);
    },
  };

  registerErrorHandler(app);
  registerRefusedUploadDrain(app);
  stateServerTime(app);
  // preHandler: the login limit keys on the parsed user name, not only the address.
  await app.register(fastifyRateLimit, {
    global: false,
    hook: 'preHandler',
    ...(liveCluster ? { store: liveCluster.rateLimitStore } : {}),
  });
  await app.register(fastifyWebsocket, {
    // No compression: the sync route writes frames of its own beside ws's (routes/sync.ts).
    options: { maxPayload: config.maxMessageBytes, perMessageDeflate: false },
    // A client breaking the WebSocket protocol (a frame over the limit, bad framing: ws codes
    // WS_ERR_*) is the client's fault, not ours: drop it and log at warn, not error.
    errorHandler: (err, socket, request) => {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('WS_ERR_'))
        request.log.warn({ code }, 'websocket protocol error');
      else request.log.error(err);
      socket.terminate();
    },
  });
  registerAuth(app, ctx.sessions);
  app.addHook('preClose', async () => ctx.sessions.stop());
  authRoutes(app, ctx);
  operationRoutes(app, ctx);
  basemapRoutes(app, ctx);
  healthRoutes(app, ctx, {
    // Redis is ready when the live side's connections answer and the document relay's are up.
    ...(liveCluster
      ? {
          redis: async (timeoutMs: number) => {
            if (docRelay && !docRelay.isReady) throw new Error('the document relay is not connected to Redis');
            await liveCluster.probe(timeoutMs);
          },
        }
      : {}),
  });
  syncRoutes(app, ctx);
  // Demo simulator and story: registered before the live service so they stop before it closes.
  attachDemo(app, ctx);
  attachRetention(app, ctx);
  importRoutes(app, ctx);
  exportRoutes(app, ctx);
  reportRoutes(app, ctx);
  reportMapRoutes(app, ctx);
  replayRoutes(app, ctx);
  const live = new LiveService(
    storage,
    {
      limits: { maxFutureMs: config.ingestMaxFutureMs, maxAgeMs: config.ingestMaxAgeMs, maxFixes: 100 },
      log: app.log,
      ratePerSecond: config.ingestRatePerSecond,
      rateBurst: config.ingestRateBurst,
      unknownPerMinute: config.ingestUnknownRateLimit,
      thresholds: { staleAfterMs: config.staleAfterMs, lostAfterMs: config.lostAfterMs },
      ...(liveCluster ? { buckets: liveCluster.buckets } : {}),
    },
    metrics.registry,
    liveCluster?.relay,
  );
  await live.start();
  const io = registerSocketIo(app, {
    maxMessageBytes: 64 * 1024,
    ...(liveCluster ? { adapter: liveCluster.adapter } : {}),
  });
  const searchCoverage = new CoverageService({
    storage,
    rooms,
    live,
    registry: metrics.registry,
    flushMs: config.coverageFlushMs,
    emit: (operationId, msg) => io.to(liveRoomName(operationId)).emit('live:coverage', msg),
    log: app.log,
  });
  coverage = searchCoverage;
  const alerts = new AlertService({
    storage,
    rooms,
    live,
    registry: metrics.registry,
    settings: {
      marginM: config.alertMarginM,
      minDurationMs: config.alertMinDurationS * 1000,
      stopRadiusM: config.alertStopRadiusM,
    },
    checkMs: config.alertCheckMs,
    replayMs: config.alertReplayMinutes * 60_000,
    emit: (operationId, msg) => io.to(liveRoomName(operationId)).emit('live:alerts', msg),
    log: app.log,
  });
  alerting = alerts;
  const fanout = attachLiveSockets(io, ctx, live, config.liveFlushMs, searchCoverage, alerts);
  // A closed operation raises no more alerts, and shares no other station's live positions, nor
  // its picture with TAK clients.
  const closed = {
    forget: async (operationId: string) => {
      alerts.forget(operationId);
      await cotBridge?.operationClosed();
      await narrowClosedViewers(io, ctx, fanout, live, operationId).catch((err: unknown) =>
        app.log.warn({ err, operation: operationId }, 'live viewers of a closed operation not narrowed'),
      );
    },
  };
  if (docRelay) {
    const watch = new OperationWatch(ctx, closed, OPERATION_WATCH_MS, () => fanout.operationIds());
    operationWatch = watch;
    app.addHook('preClose', async () => watch.close());
    // Documents changed on other instances whose rooms are not held here (a held room's relayed
    // commits reach `docChanged` already); hints lost in a break of the link: read all again.
    const unhint = followHints(docRelay.hints, {
      held: (doc) => rooms.isLoaded(doc),
      changed: docChanged,
      lost: () => {
        searchCoverage.resync();
        cotBridge?.resync();
        alerts.resync();
      },
    });
    app.addHook('preClose', async () => {
      unhint();
    });
  }
  // COT_PORT: TAK clients over TCP/TLS (server/src/cot/); opens with the app, closes before the live service.
  cotBridge = attachCot(app, ctx, live);
  app.addHook('preClose', async () => live.close());
  app.addHook('preClose', async () => searchCoverage.close());
  app.addHook('preClose', async () => alerts.close());
  app.addHook('preClose', async () => endedRelease.close());
  positionRoutes(app, ctx, live);
  deviceRoutes(app, ctx, live);
  unitRoutes(app, ctx, live);
  alertRoutes(app, ctx, alerts);
  attachArchives(app, ctx, closed);
  if (existsSync(config.clientDir)) {
    // The built client's hashed assets under one wildcard route: a route per file made 1,000
    // routes of its 500 files, 6 MiB of heap and a slower start. The few files at the top get a
    // route each, so no wildcard at `/` catches what the API router refuses (a path parameter
    // too long answers 400, not a static 404).
    await app.register(fastifyStatic, { root: join(config.clientDir, 'assets'), prefix: '/assets/' });
    await app.register(fastifyStatic, {
      root: config.clientDir,
      wildcard: false,
      globIgnore: ['assets/**'],
      index: ['index.html'],
      decorateReply: false,
    });
  } else {
    app.get('/', { config: { public: true } }, async (_req, reply) =>
      reply.type('text/plain; charset=utf-8').send('The web client is not built: run `pnpm build`.\n'),
    );
  }

  app.addHook('onClose', async () => {
    ctx.replays.close();
    await rooms.closeAll();
    // The rooms' last snapshots may be checkpoints: stored before the store closes.
    await replayCheckpoints.idle();
    await replayCheckpoints.close();
    await storage.close();
  });

  try {
    await ctx.sessions.start();
    await searchCoverage.start();
    await alerts.start();
    await endedRelease.start();
    // The demo first: its "first start" is an empty store, which the accounts file's accounts are
    // not yet in. The file then wins on a user name or station id they share.
    const demoLogins = config.seedDemo ? await seedDemo(ctx) : [];
    if (config.accountsFile) {
      const counts = await loadAccountsFile(ctx, config.accountsFile, live);
      app.log.info(counts, `loaded ${config.accountsFile}`);
    }
    return { app, ctx, demoLogins, alerts, endedRelease, coverage: searchCoverage };
  } catch (err) {
    await app.close();
    throw err;
  }
}

/** The token secret every instance on this storage uses (the first to start chooses it). */
function storedSecret(storage: Storage): Promise<string> {
  return claimSetting(storage, 'token_secret', () => randomBytes(32).toString('base64url'));
}

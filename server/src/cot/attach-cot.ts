import type { FastifyInstance } from 'fastify';
import type { LiveService } from '../live/live-service.ts';
import type { AppContext } from '../services/context.ts';
import { CotBridge } from './cot-bridge.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The Cursor-on-Target bridge (`COT_PORT` set), null otherwise. */
    cotBridge: CotBridge | null;
  }
}

/**
 * The Cursor-on-Target bridge when `COT_PORT` is set (null otherwise): its port opens when the
 * app is ready (`listen` readies it; building alone never listens) and closes with the app. The
 * caller feeds it the room manager's commit hook.
 */
export function attachCot(app: FastifyInstance, ctx: AppContext, live: LiveService): CotBridge | null {
  const { config } = ctx;
  app.decorate('cotBridge', null);
  if (config.cotPort === null) return null;
  if (Boolean(config.cotTlsCert) !== Boolean(config.cotTlsKey))
    throw new Error('COT_TLS_CERT and COT_TLS_KEY are set together (or neither)');
  if (config.cotTlsCa && !config.cotTlsCert) throw new Error('COT_TLS_CA needs COT_TLS_CERT and COT_TLS_KEY');
  const bridge = new CotBridge({
    port: config.cotPort,
    host: config.cotHost,
    tls:
      config.cotTlsCert && config.cotTlsKey
        ? { cert: config.cotTlsCert, key: config.cotTlsKey, ca: config.cotTlsCa }
        : null,
    lostAfterMs: config.lostAfterMs,
    storage: ctx.storage,
    rooms: ctx.rooms,
    live,
    registry: ctx.metrics.registry,
    log: ctx.log,
  });
  app.cotBridge = bridge;
  app.addHook('onReady', async () => {
    await bridge.listen();
  });
  app.addHook('preClose', async () => bridge.close());
  return bridge;
}

import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/** Prometheus metrics of one app instance (own registry: several apps can share a process). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'jointmap_' });
  const m = {
    registry,
    syncConnections: new Gauge({
      name: 'jointmap_sync_connections',
      help: 'Open document sync connections',
      registers: [registry],
    }),
    roomsLoaded: new Gauge({
      name: 'jointmap_rooms_loaded',
      help: 'Documents loaded in memory',
      registers: [registry],
    }),
    updatesCommitted: new Counter({
      name: 'jointmap_updates_committed_total',
      help: 'Document updates made durable and relayed',
      registers: [registry],
    }),
    updateBytes: new Counter({
      name: 'jointmap_update_bytes_total',
      help: 'Bytes of committed document updates',
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'jointmap_sync_rejected_total',
      help: 'Inbound sync messages refused',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    syncLimited: new Counter({
      name: 'jointmap_sync_limited_total',
      help: 'Sync connections over a limit: closed (queue, state_requests) or presence ids ignored (awareness_clients)',
      labelNames: ['limit'] as const,
      registers: [registry],
    }),
    storageFailures: new Counter({
      name: 'jointmap_storage_failures_total',
      help: 'Storage operations that failed',
      registers: [registry],
    }),
    roomLoadFailures: new Counter({
      name: 'jointmap_room_load_failures_total',
      help: 'Failed document loads: retried, or given up (the client was refused with STORAGE_UNAVAILABLE)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    logins: new Counter({
      name: 'jointmap_logins_total',
      help: 'Login attempts',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
  };
  return m;
}
export type Metrics = ReturnType<typeof createMetrics>;

import { performance } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/**
 * How often the event-loop delay histogram (`jointmap_nodejs_eventloop_lag_*`) takes a sample.
 * prom-client's default, 10 ms, is a timer that wakes the process 100 times a second, at rest
 * too: it was most of the server's idle CPU and a sixth of its wake-ups under the sync
 * benchmarks. A stall shows in the histogram when a sample falls in it; every stall shows in
 * `jointmap_event_loop_utilization`, read at each scrape at no cost between scrapes.
 */
export const EVENT_LOOP_SAMPLE_MS = 1_000;

/** Prometheus metrics of one app instance (own registry: several apps can share a process). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({
    register: registry,
    prefix: 'jointmap_',
    eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
  });
  let utilizationSince = performance.eventLoopUtilization();
  new Gauge({
    name: 'jointmap_event_loop_utilization',
    help: 'Share of time the event loop was busy since the previous scrape (0–1)',
    registers: [registry],
    collect() {
      const now = performance.eventLoopUtilization();
      this.set(performance.eventLoopUtilization(now, utilizationSince).utilization);
      utilizationSince = now;
    },
  });
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
      help: 'Sync connections over a limit: closed (queue, state_requests), presence ids ignored (awareness_clients), presence states dropped (awareness_size, awareness_rate) or not sent to a backlogged socket (presence_backlog); closed while too far behind (send_backlog)',
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

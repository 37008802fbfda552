import { Counter, Gauge, type Registry } from 'prom-client';

/** The position pipeline's metrics (`LiveService`). */
export function liveMetrics(registry: Registry) {
  return {
    accepted: new Counter({
      name: 'jointmap_positions_accepted_total',
      help: 'Position fixes stored',
      registers: [registry],
    }),
    refused: new Counter({
      name: 'jointmap_positions_refused_total',
      help: 'Position requests refused',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    deviceLimited: new Counter({
      name: 'jointmap_positions_rate_limited_fixes_total',
      help: 'Position fixes refused because their device exceeded its rate (counted per fix)',
      registers: [registry],
    }),
    dropped: new Counter({
      name: 'jointmap_positions_dropped_total',
      help: 'Position fixes acknowledged but not stored: a value out of range or a time outside the window',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    unknownLimited: new Counter({
      name: 'jointmap_positions_unknown_device_limited_total',
      help: 'Position requests refused without a lookup: their address named too many unregistered devices',
      registers: [registry],
    }),
    units: new Gauge({
      name: 'jointmap_live_units',
      help: 'Units with a latest position in memory',
      registers: [registry],
    }),
  };
}

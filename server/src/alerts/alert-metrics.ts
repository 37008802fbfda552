import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The alert engine's metrics: alerts raised and handled, evaluation time, rules followed. */
export function alertMetrics(registry: Registry) {
  return {
    raised: new Counter({
      name: 'jointmap_alerts_raised_total',
      help: 'Alerts raised and stored, by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    handled: new Counter({
      name: 'jointmap_alerts_handled_total',
      help: 'Alerts acknowledged or resolved',
      labelNames: ['state'] as const,
      registers: [registry],
    }),
    evaluation: new Histogram({
      name: 'jointmap_alert_evaluation_seconds',
      help: 'Time to evaluate one stored fix against the alert rules of its operations',
      buckets: [0.000_005, 0.000_02, 0.000_05, 0.000_1, 0.000_5, 0.001, 0.005, 0.02],
      registers: [registry],
    }),
    rules: new Gauge({ name: 'jointmap_alert_rules', help: 'Alert rules followed', registers: [registry] }),
  };
}

import { expect, test } from 'vitest';
import { createMetrics } from './metrics.ts';

const utilization = async (metrics: ReturnType<typeof createMetrics>) => {
  const text = await metrics.registry.metrics();
  const match = /^jointmap_event_loop_utilization (\S+)$/m.exec(text);
  if (!match) throw new Error('no jointmap_event_loop_utilization in the scrape');
  return Number(match[1]);
};

test('event-loop utilisation is reported for the time since the previous scrape: high after busy work, low after rest', async () => {
  const metrics = createMetrics();
  await utilization(metrics);
  const until = performance.now() + 300;
  while (performance.now() < until); // the loop is busy
  expect(await utilization(metrics)).toBeGreaterThan(0.5);
  await new Promise((r) => setTimeout(r, 300));
  expect(await utilization(metrics)).toBeLessThan(0.5);
});

import { expect, it } from 'vitest';
import { createTestSchema } from '../helpers/pg-schema.ts';
import { startServer } from '../helpers/server.ts';
import { traccarQuery } from './live-helpers.ts';

it('on PostgreSQL, a fix whose alarm holds a NUL is stored (alarm without it), and so is the fix written in the same batch', async (t) => {
  const schema = await createTestSchema(t);
  const server = await startServer(t, { databaseUrl: schema.url, simulate: false });
  const time = Math.floor(Date.now() / 1000) - 5;
  const at = { timestamp: time, lat: 30.5222, lon: 120.2954 };
  // Sent together: the position writer puts both in one transaction.
  const answers = await Promise.all([
    traccarQuery(server.url, { id: 'demo-yuyue-01', ...at, alarm: 'sos\u0000' }),
    traccarQuery(server.url, { id: 'demo-yuyue-02', ...at }),
  ]);
  expect(answers.map((r) => r.status)).toEqual([200, 200]);
  const stored = async (unitId: string) =>
    (await server.ctx.storage.track('deqing-yuyue', unitId, 0, Date.now(), 10)).map((f) => [f.time, f.alarm ?? null]);
  expect(await stored('yuyue-car-01')).toEqual([[time * 1000, 'sos']]);
  expect(await stored('yuyue-foot-02')).toEqual([[time * 1000, null]]);
});

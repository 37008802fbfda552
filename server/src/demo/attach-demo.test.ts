import { expect, test } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../services/context.ts';
import { attachDemo } from './attach-demo.ts';

test('an instance whose demo start failed while PostgreSQL was away tries again (the demo ran nowhere after a restart)', async () => {
  const hooks: Record<string, () => Promise<void>> = {};
  const app = {
    addHook: (name: string, fn: () => Promise<void>) => void (hooks[name] = fn),
    server: { address: () => ({ address: '127.0.0.1', family: 'IPv4', port: 1 }) },
  } as unknown as FastifyInstance;
  let reads = 0;
  // The lock is held by another instance once PostgreSQL is back: this one keeps asking.
  const client = { on() {}, removeListener() {}, release() {}, query: async () => ({ rows: [{ got: false }] }) };
  const ctx = {
    config: { simulate: true, demoTimeScale: 1 },
    storage: {
      kind: 'postgres',
      pool: { connect: async () => client },
      getOperation: async () => {
        if (++reads === 1) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        return { id: 'demo-tricounty' };
      },
    },
    rooms: {},
    log: { info() {}, warn() {}, error() {} },
  } as unknown as AppContext;
  attachDemo(app, ctx, { leaseRetryMs: 10 });
  await hooks.onListen!();
  await expect.poll(() => reads, { timeout: 2000 }).toBeGreaterThanOrEqual(4);
  await hooks.preClose!();
  const after = reads;
  await new Promise((r) => setTimeout(r, 50));
  expect(reads).toBe(after);
});

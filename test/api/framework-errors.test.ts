import { describe, expect, test } from 'vitest';
import { startServer } from '../helpers/server.ts';

// Found by `pnpm fuzz`: Fastify answers these before routing, bypassing the error handler.
describe('errors raised before routing', () => {
  test('a path parameter that is too long or badly percent-encoded gets the coded JSON error', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('commander');
    for (const path of [
      `/api/operations/${'a'.repeat(200)}`,
      `/api/units/${'b'.repeat(150)}/track`,
      '/api/operations/bad%E0%A4%A',
      '/api/units/%/track',
    ]) {
      const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status, path).toBe(400);
      expect(await res.json(), path).toMatchObject({ error: { code: 'INVALID_PAYLOAD', message: expect.any(String) } });
    }
    // The server keeps serving.
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  });
});

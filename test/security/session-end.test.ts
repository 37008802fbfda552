import { describe, expect, test } from 'vitest';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { rawSync } from '../helpers/raw-socket.ts';

describe('sync sessions end with their token or account', () => {
  test('an open sync socket is closed with TOKEN_EXPIRED when its token expires', async (t) => {
    const server = await startServer(t);
    const short = server.ctx.tokens.issue({ sub: 'u-wall', role: 'viewer', stationId: null, name: '大屏' }, 1).token;
    const started = Date.now();
    const result = await rawSync(`${server.wsUrl}/sync/${DEMO_OP}/command?token=${short}`, [], 5000);
    expect(result).toEqual({ closeCode: 4401, codes: ['TOKEN_EXPIRED'] });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test('a disabled account cannot open documents, even with a valid token', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    const account = (await server.ctx.storage.getAccountByUsername('deqing'))!;
    await server.ctx.storage.upsertAccount({ ...account, disabled: true });
    const result = await rawSync(`${server.wsUrl}/sync/${DEMO_OP}/deqing-yuyue?token=${token}`, [], 3000);
    expect(result).toEqual({ closeCode: 4401, codes: ['UNAUTHENTICATED'] });
  });
});

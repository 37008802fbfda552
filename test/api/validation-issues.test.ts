import { describe, expect, test } from 'vitest';
import { DEMO_OP, startServer } from '../helpers/server.ts';

const good = { id: 'yuyue-car-09', callsign: '禹越巡09', kind: 'car', stationId: 'deqing-yuyue' };

// A client words a refusal from `issues` (client/src/lib/i18n/validation-text.ts), not from Ajv's English.
describe('a REST body the route schema refuses', () => {
  test('is answered with its issues as structure: path, keyword, limit, besides the English message', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    const post = async (json: unknown) => {
      const res = await fetch(`${server.url}/api/operations/${DEMO_OP}/units`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(json),
      });
      expect(res.status).toBe(400);
      return ((await res.json()) as { error: { code: string; message: string; issues?: unknown[] } }).error;
    };

    const long = await post({ ...good, callsign: '长'.repeat(41) });
    expect(long.code).toBe('INVALID_PAYLOAD');
    expect(long.message).toMatch(/^body\/callsign /);
    expect(long.issues).toEqual([{ path: '/callsign', kind: 'maxLength', limit: 40, message: expect.any(String) }]);

    const member = await post({ ...good, members: ['张三', 'x'.repeat(41)] });
    expect(member.issues).toEqual([expect.objectContaining({ path: '/members/1', kind: 'maxLength', limit: 40 })]);
    const crowd = await post({ ...good, members: Array(21).fill('张三') });
    expect(crowd.issues).toEqual([expect.objectContaining({ path: '/members', kind: 'maxItems', limit: 20 })]);
    const empty = await post({ ...good, callsign: '' });
    expect(empty.issues).toEqual([expect.objectContaining({ path: '/callsign', kind: 'minLength', limit: 1 })]);
    const missing = await post({ kind: 'car', stationId: 'deqing-yuyue' });
    expect(missing.issues).toEqual([expect.objectContaining({ path: '', kind: 'required' })]);
    expect(missing.issues![0]).not.toHaveProperty('limit');
  });
});

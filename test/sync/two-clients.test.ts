import { describe, expect, test } from 'vitest';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { connectClient, eventually } from '../helpers/sync-client.ts';

describe('stock y-websocket clients', () => {
  test('two clients on one document converge through the server', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    const doc = `${DEMO_OP}/deqing-yuyue`;
    const a = await connectClient(t, server.wsUrl, doc, token);
    const b = await connectClient(t, server.wsUrl, doc, token);
    a.doc.getMap('annotations').set('a1', pointAnnotation('a1', '走失老人最后出现位置'));
    await eventually(() => b.doc.getMap('annotations').has('a1'));
    expect(b.doc.getMap('annotations').get('a1')).toEqual(pointAnnotation('a1', '走失老人最后出现位置'));
    b.doc.getMap('annotations').delete('a1');
    await eventually(() => !a.doc.getMap('annotations').has('a1'));
    expect(a.rejections).toEqual([]);
  });
});

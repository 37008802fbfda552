import { Writable } from 'node:stream';
import { rmSync } from 'node:fs';
import { expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { buildApp } from '@jointmap/server';
import { defaultConfig } from '@jointmap/server/config';
import { DEMO_OP, DEMO_PASSWORD, login, tempDir } from '../helpers/server.ts';

test('bearer tokens sent in query strings never appear in any log line', async (t) => {
  const dataDir = tempDir();
  t.onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const config = defaultConfig({ port: 0, dataDir, demoPassword: DEMO_PASSWORD, logLevel: 'debug', simulate: false });
  const { app } = await buildApp(config, { logger: { level: 'debug', stream } });
  t.onTestFinished(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  const { token } = await login(url, 'wall');

  // A wall's sync connection (token in the query, as the stock y-websocket provider sends it) …
  await new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/sync/${DEMO_OP}/command?token=${encodeURIComponent(token)}`);
    ws.on('message', () => ws.close());
    ws.on('close', () => resolve());
    ws.on('error', reject);
  });
  // … a refused one, a REST call and an unknown route carrying the token the same way.
  await new Promise<void>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/sync/${DEMO_OP}/nowhere?token=${encodeURIComponent(token)}`);
    ws.on('close', () => resolve());
    ws.on('error', () => resolve());
  });
  await fetch(`${url}/api/operations?token=${encodeURIComponent(token)}`);
  await fetch(`${url}/no/such/route?x=1&token=${encodeURIComponent(token)}`);
  await app.close();

  const secretPart = token.split('.').pop()!;
  expect(lines.length).toBeGreaterThan(5);
  expect(lines.filter((l) => l.includes(token) || l.includes(secretPart))).toEqual([]);
  // The requests were logged, with the token replaced.
  expect(lines.some((l) => l.includes(`/sync/${DEMO_OP}/command?token=[redacted]`))).toBe(true);
  expect(lines.some((l) => l.includes('/no/such/route?x=1&token=[redacted]'))).toBe(true);
});

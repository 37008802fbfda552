import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { unitKey } from '@jointmap/shared';
import { DEMO_OP } from '../helpers/server.ts';
import { freePort, startCluster } from '../helpers/cluster.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { connectClient } from '../helpers/sync-client.ts';
import { connected, connectViewer, epochSeconds, eventually, traccarQuery } from '../live/live-helpers.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CAR = unitKey('deqing-yuyue', 'yuyue-car-01');

/**
 * The nginx configuration of docs/deploy.md, exactly as written there, with its upstream
 * addresses and listen port swapped for this machine's.
 */
function documentedConfig(upstreams: string[], port: number): string {
  const doc = readFileSync(join(root, 'docs', 'deploy.md'), 'utf8');
  const block = /```nginx\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error('docs/deploy.md has no nginx block');
  const servers = upstreams.map((u) => `    server ${u} max_fails=3 fail_timeout=10s;`).join('\n');
  return block
    .replace(/(?:^\s*server 10\.0\.0\.\d+:8080[^\n]*\n)+/gm, `${servers}\n`)
    .replace(/listen 80;/, `listen 127.0.0.1:${port};`);
}

describe('the deployment guide’s nginx in front of two instances', () => {
  it('serves the client, documents over /sync and live positions over /socket.io, also over long-polling', async (t) => {
    const nginx = spawnSync('nginx', ['-v']);
    expect(nginx.error, 'nginx is installed (.ci/run installs nginx-light)').toBeUndefined();
    const cluster = await startCluster(t, 2);
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'jointmap-nginx-'));
    const upstreams = cluster.instances.map((i) => new URL(i.url).host);
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
      .map((k) => `${k}_temp_path ${dir}/${k};`)
      .join(' ');
    writeFileSync(
      join(dir, 'nginx.conf'),
      `daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn; events {}
http { access_log ${dir}/access.log; ${temp}
${documentedConfig(upstreams, port)}
}`,
    );
    const proc = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'pipe' });
    let errors = '';
    proc.stderr.on('data', (d) => (errors += d));
    t.onTestFinished(async () => {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    });
    const front = `http://127.0.0.1:${port}`;
    await eventually(() => proc.exitCode === null, 2_000, 'nginx running');
    let page = '';
    for (let i = 0; i < 50 && !page.includes('<div id="app"'); i++) {
      page = await fetch(`${front}/`).then(
        (r) => r.text(),
        () => '',
      );
      if (!page) await new Promise((r) => setTimeout(r, 100));
    }
    expect(page, errors).toContain('<div id="app"');

    // Documents: two stock y-websocket clients through nginx (round-robin over the two instances).
    const deqing = await cluster.login(cluster.instances[0]!, 'deqing');
    const docName = `${DEMO_OP}/deqing-yuyue`;
    const wsFront = front.replace('http', 'ws');
    const a = await connectClient(t, wsFront, docName, deqing.token);
    const b = await connectClient(t, wsFront, docName, deqing.token);
    a.doc.getMap('annotations').set('via-nginx', pointAnnotation('via-nginx', '经反向代理'));
    await eventually(() => b.doc.getMap('annotations').has('via-nginx'), 10_000, 'edit through nginx');
    // nginx logs a request once it ends: close the two, then a request logged after them.
    a.destroy();
    b.destroy();
    await new Promise((r) => setTimeout(r, 200));
    expect((await fetch(`${front}/api/health`)).status).toBe(200);
    const accessLog = () => readFileSync(join(dir, 'access.log'), 'utf8');
    await eventually(() => accessLog().includes('/api/health'), 5_000, 'the access log written');
    expect(accessLog(), 'no login token in the access log').not.toContain(deqing.token);

    // Live positions: one viewer on WebSocket, one on HTTP long-polling (needs the sticky upstream).
    const wall = await cluster.login(cluster.instances[1]!, 'wall');
    const ws = connectViewer(t, front, { token: wall.token, operationId: DEMO_OP });
    const polling = connectViewer(t, front, { token: wall.token, operationId: DEMO_OP }, { transports: ['polling'] });
    await Promise.all([connected(ws.socket), connected(polling.socket)]);
    await eventually(() => ws.snapshots.length === 1 && polling.snapshots.length === 1, 10_000, 'snapshots');
    const time = Math.floor(Date.now() / 1000) * 1000 - 1_000;
    const res = await traccarQuery(front, {
      id: 'demo-yuyue-01',
      lat: 30.56,
      lon: 120.02,
      timestamp: epochSeconds(time),
    });
    expect(res.status).toBe(200);
    for (const v of [ws, polling])
      await eventually(() => v.latest.get(CAR)?.time === time, 10_000, 'the fix through nginx');
    expect(polling.errors).toEqual([]);
  });
});

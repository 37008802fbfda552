import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
} from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/cluster.ts';

/**
 * docs/deploy.md, "Offline release": the archive of `scripts/release.mjs`, unpacked outside the
 * repository, starts by its `start.sh` with PATH reduced to Node and the base system, HOME empty
 * and no network (its own network namespace with only loopback), and serves the client, logins,
 * the demo operation, a lazily loaded chunk (the KML export) and the TAK port.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const probeScript = fileURLToPath(new URL('./offline-probe.mjs', import.meta.url));
const PASSWORD = 'offline-demo-77';
const UNSHARE = '/usr/bin/unshare';
const NSENTER = '/usr/bin/nsenter';
const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'].find((p) => existsSync(p));

/** Every path under dir (files, directories and symlinks, not following links). */
function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    out.push(p);
    if (e.isDirectory()) walk(p, out);
  }
  return out;
}

function isInside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir + sep);
}

/** Whether a TCP connection from this (the host's) network opens. */
function hostConnects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** Resolves with the server's output once it says it runs; rejects if it exits first. */
function started(child: ChildProcess, output: () => string, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within ${timeoutMs} ms:\n${output()}`)), timeoutMs);
    const check = () => {
      if (!output().includes('JointMap is running')) return;
      clearTimeout(timer);
      resolve(output());
    };
    child.stdout!.on('data', check);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`start.sh exited (${code ?? signal}) before serving:\n${output()}`));
    });
  });
}

describe('the offline release', () => {
  it('unpacks outside the repository and serves from start.sh with no network', { timeout: 240_000 }, async (t) => {
    const unshare = spawnSync(UNSHARE, ['-n', 'true']);
    expect(
      unshare.error === undefined && unshare.status === 0,
      `this test needs ${UNSHARE} -n (util-linux, run as root): ${unshare.error?.message ?? unshare.stderr}`,
    ).toBe(true);
    expect(IP, 'this test needs ip (iproute2; scripts/bootstrap.mjs installs it)').toBeDefined();

    const work = mkdtempSync(join(tmpdir(), 'jointmap-release-test-'));
    t.onTestFinished(() => rmSync(work, { recursive: true, force: true }));
    expect(isInside(realpathSync(work), realpathSync(root))).toBe(false);

    // 1. Build the archive into a temporary directory (the client as built: see docs/deploy.md).
    const out = join(work, 'out');
    const build = spawnSync(process.execPath, ['scripts/release.mjs', '--out', out, '--reuse-client'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(build.status, `release.mjs failed:\n${build.stdout}\n${build.stderr}`).toBe(0);
    const archives = readdirSync(out).filter((f) => f.endsWith('.tar.gz'));
    expect(archives).toHaveLength(1);
    const name = archives[0]!.replace(/\.tar\.gz$/, '');
    expect(name).toMatch(/^jointmap-\d+\.\d+\.\d+.*-linux-x64-node20$/);

    // 2. Unpack into an empty directory with no node_modules on the way up.
    const site = join(work, 'site');
    mkdirSync(site);
    const unpack = spawnSync('tar', ['-xzf', join(out, archives[0]!), '-C', site], { encoding: 'utf8' });
    expect(unpack.status, unpack.stderr).toBe(0);
    expect(readdirSync(site)).toEqual([name]);
    const unpacked = join(site, name);
    for (let d = dirname(unpacked); dirname(d) !== d; d = dirname(d))
      expect(existsSync(join(d, 'node_modules')), `${d}/node_modules would leak packages into the release`).toBe(false);

    // 3. What the archive holds: the bundle with its chunks, the client, only the kept packages.
    expect(readdirSync(unpacked).sort()).toEqual(
      ['README.txt', 'client', 'node_modules', 'package.json', 'server', 'start.sh'].sort(),
    );
    const dist = join(unpacked, 'server', 'dist');
    const modules = readdirSync(dist).filter((f) => f.endsWith('.mjs'));
    expect(modules).toContain('server.mjs');
    expect(modules.filter((f) => f.startsWith('chunk-')).length).toBeGreaterThan(0);
    for (const file of modules) {
      const text = readFileSync(join(dist, file), 'utf8');
      for (const m of text.matchAll(/(?:from\s*|import\s*\(\s*|import\s*)["'](\.\.?\/[^"']+)["']/g))
        expect(existsSync(join(dist, m[1]!)), `${file} imports ${m[1]} which the archive lacks`).toBe(true);
    }
    expect(existsSync(join(unpacked, 'client', 'dist', 'index.html'))).toBe(true);
    expect(existsSync(join(unpacked, 'server', 'demo-data'))).toBe(true);
    expect(readdirSync(join(unpacked, 'node_modules')).sort()).toEqual(
      ['.pnpm', '@tak-ps', 'better-sqlite3', 'bindings', 'file-uri-to-path'].sort(),
    );
    const tree = walk(unpacked);
    const typescript = tree.filter(
      (p) => /\.[mc]?ts$/.test(p) && !p.endsWith('.d.ts') && !relative(unpacked, p).startsWith('node_modules'),
    );
    expect(typescript, 'TypeScript sources in the archive').toEqual([]);
    // No path back into the repository: links stay inside, no file names the checkout.
    const realSite = realpathSync(unpacked);
    for (const p of tree) {
      if (!lstatSync(p).isSymbolicLink()) continue;
      expect(isInside(realpathSync(p), realSite), `${relative(unpacked, p)} links outside the release`).toBe(true);
    }
    for (const p of [...walk(dist), join(unpacked, 'start.sh'), join(unpacked, 'package.json')])
      expect(readFileSync(p, 'utf8').includes(root), `${relative(unpacked, p)} names ${root}`).toBe(false);

    // 4. Start it as a site would, in a network namespace with only loopback up.
    const dataDir = join(work, 'data');
    const port = await freePort();
    const cotPort = await freePort();
    const env = {
      PATH: [dirname(process.execPath), '/usr/bin', '/bin'].join(':'),
      HOME: '',
      PORT: String(port),
      DATA_DIR: dataDir,
      DEMO_PASSWORD: PASSWORD,
      SIMULATE: '0',
      COT_PORT: String(cotPort),
    };
    // unshare execs sh, sh execs start.sh, start.sh execs node: the child's pid is the server's.
    const server = spawn(UNSHARE, ['-n', '/bin/sh', '-c', `${IP} link set lo up && exec ./start.sh`], {
      cwd: unpacked,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    server.stdout.on('data', (d: Buffer) => (output += d.toString()));
    server.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise((r) => server.once('exit', r));
    t.onTestFinished(async () => {
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
      await exited;
    });
    const printed = await started(server, () => output);
    expect(printed).toMatch(new RegExp(`commander\\s+${PASSWORD}\\s+commander`));

    // 5. The probe, in the server's namespace, run from outside the repository.
    const host = createServer((s) => s.destroy()).listen(0, '127.0.0.1');
    await new Promise((r) => host.once('listening', r));
    t.onTestFinished(() => new Promise<void>((r) => host.close(() => r())));
    const hostPort = (host.address() as { port: number }).port;
    const probeCopy = join(work, 'probe.mjs');
    copyFileSync(probeScript, probeCopy);
    const probeArgs = JSON.stringify({ port, cotPort, password: PASSWORD, hostPort });
    const probe = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(NSENTER, ['-t', String(server.pid), '-n', process.execPath, probeCopy, probeArgs], {
        cwd: work,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('exit', (code) => resolve({ code, stdout, stderr }));
    });
    expect(probe.code, `probe failed: ${probe.stderr}`).toBe(0);
    const seen = JSON.parse(probe.stdout);
    const context = `probe: ${probe.stdout}\nserver output:\n${output}`;
    expect(seen.error, context).toBeUndefined();
    expect(seen.health.status, context).toBe(200);
    expect(JSON.parse(seen.health.body).status).toBe('ok');
    expect(seen.index, context).toMatchObject({ status: 200, html: true });
    expect(seen.index.type).toMatch(/^text\/html/);
    expect(seen.script, context).toMatchObject({ status: 200 });
    expect(seen.script.type).toMatch(/javascript/);
    expect(seen.script.bytes).toBeGreaterThan(1000);
    expect(seen.login, context).toEqual({ status: 200, role: 'commander' });
    expect(seen.operation, context).toMatchObject({ status: 200, id: 'demo-tricounty' });
    expect(seen.operation.stations).toBeGreaterThan(0);
    expect(seen.kml, context).toMatchObject({ status: 200, kml: true });
    expect(seen.kml.type).toMatch(/kml/);
    expect(seen.cot, context).toEqual({ connected: true });
    expect(seen.outside.hostListener.connected, context).toBe(false);
    expect(seen.outside.postgres.connected, context).toBe(false);
    expect(seen.outside.internet.connected, context).toBe(false);
    expect(seen.outside.dns.resolved, context).toBe(false);
    // And the other way: the server is not on the host's network.
    expect(await hostConnects(port)).toBe(false);
    expect(await hostConnects(hostPort)).toBe(true);

    // 6. It shuts down cleanly on SIGTERM (as under systemd).
    server.kill('SIGTERM');
    expect(await exited, output).toBe(0);
    expect(existsSync(join(dataDir, 'demo-logins.txt'))).toBe(true);
  });
});

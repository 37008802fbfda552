import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, test, type TestContext } from 'vitest';
import { DEMO_PASSWORD, tempDir } from '../helpers/server.ts';
import { eventually } from '../helpers/sync-client.ts';

const script = new URL('../../scripts/start-server.mjs', import.meta.url).pathname;

/** Process ids whose parent is `pid` and whose command line runs `server.mjs` (from /proc). */
function serversStartedBy(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The parent's id is the field after the state, which follows the parenthesised name.
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('server/dist/server.mjs')) out.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

interface Launched {
  launcher: ReturnType<typeof spawn>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  server: number;
  port: number;
}

/** The launcher started on a fresh DATA_DIR, once its one server answers. */
async function launch(t: TestContext): Promise<Launched> {
  const dataDir = tempDir('jointmap-launch-');
  t.onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
  const launcher = spawn(process.execPath, [script], {
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      DEMO_PASSWORD,
      LOG_LEVEL: 'warn',
      SIMULATE: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  launcher.stdout.on('data', (d: Buffer) => (out += d.toString()));
  launcher.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    launcher.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let serverPids: number[] = [];
  t.onTestFinished(() => {
    for (const pid of [launcher.pid!, ...serverPids]) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });
  // The launcher builds server/dist first when a source is newer.
  await eventually(() => /running: http:\/\/[^/\s]+\//.test(out), 60_000, `the server started:\n${out}`);
  const port = Number(/running: http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)![1]);
  serverPids = serversStartedBy(launcher.pid!);
  expect(serverPids).toHaveLength(1);
  expect(await portFree(port)).toBe(false);
  return { launcher, exited, server: serverPids[0]!, port };
}

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<'still running'>((r) => setTimeout(() => r('still running'), ms))]);

describe('the launcher (scripts/start-server.mjs, which npm start shares)', () => {
  test(
    'SIGTERM to the launcher stops the server it started: the process goes and its port is free',
    { timeout: 90_000 },
    async (t) => {
      const { launcher, exited, server, port } = await launch(t);
      launcher.kill('SIGTERM');
      const end = await within(exited, 10_000);
      expect(end).not.toBe('still running');
      await eventually(() => !alive(server), 5000, 'the server process gone');
      expect(await portFree(port)).toBe(true);
      // It closed cleanly on the one SIGTERM (a second signal would have made it exit at once, 1).
      expect(end).toEqual({ code: 0, signal: null });
    },
  );

  test(
    'a launcher killed outright (SIGKILL, no signal to pass on) takes its server with it: the port is free',
    { timeout: 90_000 },
    async (t) => {
      const { launcher, server, port } = await launch(t);
      launcher.kill('SIGKILL');
      await eventually(() => !alive(server), 10_000, 'the server process gone');
      expect(await portFree(port)).toBe(true);
    },
  );
});

import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, test, type TestContext } from 'vitest';
import { DEMO_PASSWORD, tempDir } from '../helpers/server.ts';
import { eventually } from '../helpers/sync-client.ts';

const script = new URL('../../scripts/start-server.mjs', import.meta.url).pathname;

/** Process ids whose parent is `pid` and whose command line runs `what` (from /proc). */
function serversStartedBy(pid: number, what = 'server/dist/server.mjs'): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The parent's id is the field after the state, which follows the parenthesised name.
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(what)) out.push(Number(entry));
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
async function launch(t: TestContext, underShell = false): Promise<Launched> {
  const dataDir = tempDir('jointmap-launch-');
  t.onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
  const command = underShell
    ? (['/bin/sh', ['-c', `"${process.execPath}" "${script}" & wait`]] as const)
    : ([process.execPath, [script]] as const);
  const launcher = spawn(command[0], [...command[1]], {
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
  // Under a shell, the launcher is the shell's child and the server its grandchild.
  const launcherPid = underShell ? serversStartedBy(launcher.pid!, 'start-server.mjs')[0]! : launcher.pid!;
  // The server first; a launcher under a shell too, so that the clean-up kills it.
  serverPids = serversStartedBy(launcherPid).concat(underShell ? [launcherPid] : []);
  expect(serverPids).toHaveLength(underShell ? 2 : 1);
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
    'a launcher whose parent went (npm stopped with SIGTERM passes nothing on) stops its server',
    { timeout: 90_000 },
    async (t) => {
      // npm's part played by a shell that starts the launcher and waits; killed, it signals nothing.
      const { launcher: shell, server, port } = await launch(t, true);
      shell.kill('SIGKILL');
      await eventually(() => !alive(server), 15_000, 'the server process gone');
      expect(await portFree(port)).toBe(true);
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

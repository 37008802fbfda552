import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type BuiltApp } from '@jointmap/server';
import { defaultConfig, type Config } from '@jointmap/server/config';
import type { Storage } from '@jointmap/server/storage/types';
import { SERVER_BUNDLE, ensureServerBuild } from '../../scripts/build-server.mjs';
import { SERVER_NODE_ARGS, serverEnv } from '../../scripts/server-launch.mjs';
import { createTestSchema, type TestSchema } from './pg-schema.ts';

export const DEMO_PASSWORD = 'demo-pass-123';
export const DEMO_OP = 'demo-tricounty';

export interface TestServer extends BuiltApp {
  url: string;
  wsUrl: string;
  dataDir: string;
  login(username: string, password?: string): Promise<LoginResult>;
  close(): Promise<void>;
}

export interface LoginResult {
  token: string;
  user: { id: string; name: string; role: string; stationId: string | null };
}

/** Test context methods we use for teardown (vitest passes them to each test). */
export interface Teardown {
  onTestFinished(fn: () => unknown): void;
}

/** TEST_STORAGE=postgres: the schema of each data dir a server was started on (restarts reuse it). */
const pgSchemas = new Map<string, TestSchema>();

export function tempDir(prefix = 'jointmap-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * A real server on port 0 with a fresh SQLite data dir and the demo seeded (password
 * DEMO_PASSWORD). Registers its own teardown when given a test context. With
 * `TEST_STORAGE=postgres` in the environment it stores in a fresh PostgreSQL schema instead.
 */
export async function startServer(
  t: Teardown | null,
  overrides: Partial<Config> = {},
  options: { storage?: (dataDir: string) => Storage } = {},
): Promise<TestServer> {
  const dataDir = overrides.dataDir ?? tempDir();
  // TEST_STORAGE=postgres: the server runs on a fresh PostgreSQL schema instead of SQLite; a restart
  // on the data dir of an earlier server gets that server's schema again.
  let pgSchema: TestSchema | null = null;
  let ownsSchema = false;
  if (process.env.TEST_STORAGE === 'postgres' && !options.storage && !overrides.databaseUrl) {
    pgSchema = overrides.dataDir ? (pgSchemas.get(overrides.dataDir) ?? null) : await createTestSchema();
    ownsSchema = !overrides.dataDir;
    if (ownsSchema) pgSchemas.set(dataDir, pgSchema!);
  }
  const dropSchema = async () => {
    if (!ownsSchema) return;
    pgSchemas.delete(dataDir);
    await pgSchema!.drop();
  };
  const config = defaultConfig({
    port: 0,
    dataDir,
    demoPassword: DEMO_PASSWORD,
    logLevel: 'silent',
    roomIdleMs: 60_000,
    simulate: false,
    ...overrides,
    ...(pgSchema ? { databaseUrl: pgSchema.url } : {}),
  });
  const built = await buildApp(config, { logger: false, storage: options.storage?.(dataDir) }).catch(
    async (err: unknown) => {
      await dropSchema();
      throw err;
    },
  );
  await built.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = built.app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  const url = `http://127.0.0.1:${addr.port}`;
  let closed = false;
  const server: TestServer = {
    ...built,
    url,
    wsUrl: `ws://127.0.0.1:${addr.port}`,
    dataDir,
    login: (username, password = DEMO_PASSWORD) => login(url, username, password),
    async close() {
      if (closed) return;
      closed = true;
      await built.app.close();
      if (!t) await dropSchema();
    },
  };
  t?.onTestFinished(async () => {
    await server.close();
    await dropSchema();
    if (!overrides.dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  return server;
}

export async function login(url: string, username: string, password = DEMO_PASSWORD): Promise<LoginResult> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  return (await res.json()) as LoginResult;
}

export interface ServerProcess {
  url: string;
  wsUrl: string;
  child: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

let serverBuilt: Promise<boolean> | null = null;

/**
 * The real server as a child process (for crash tests: SIGKILL and restart on the same data dir):
 * the production build with the production launch flags, as `npm start` runs it. The build is
 * made again when a source is newer: by the global setup before Vitest runs any file
 * (`test/server-build.global.ts`), so that no two workers build at once, or here, once per
 * process, elsewhere. From source through tsx each start cost about 2 s more CPU.
 */
export async function spawnServer(
  dataDir: string,
  env: Record<string, string> = {},
  /** Another copy of the build (an install elsewhere) and the directory to start it in. */
  install: { bundle: string; cwd: string } | null = null,
): Promise<ServerProcess> {
  // Under Vitest the global setup has built it; `pnpm soak` and `pnpm fuzz` build it here, once.
  if (!process.env.VITEST) await (serverBuilt ??= ensureServerBuild());
  const child = spawn(process.execPath, [...SERVER_NODE_ARGS, install?.bundle ?? SERVER_BUNDLE], {
    cwd: install?.cwd,
    // SIMULATE=0: the demo simulator and story stay off unless a test asks for them.
    env: serverEnv({
      ...process.env,
      DATA_DIR: dataDir,
      PORT: '0',
      DEMO_PASSWORD,
      LOG_LEVEL: 'warn',
      SIMULATE: '0',
      ...env,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    // About a second alone, far longer on a loaded 2-core machine.
    const timer = setTimeout(() => {
      // Not left running behind the test that gave up on it.
      child.kill('SIGKILL');
      reject(new Error(`server did not start within 90 s:\n${out}`));
    }, 90_000);
    const check = () => {
      const m = /running: (http:\/\/[^/\s]+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => reject(new Error(`server exited (${code}):\n${out}`)));
  });
  return {
    url,
    wsUrl: url.replace('http', 'ws'),
    child,
    output: () => out,
    kill: (signal = 'SIGKILL') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}

import { rmSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { login, spawnServer, tempDir } from '../helpers/server.ts';

/** What a start on a data directory another server holds exits with (null: it started). */
async function refusal(dataDir: string): Promise<string | null> {
  try {
    const started = await spawnServer(dataDir);
    await started.kill();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

describe('one server process per DATA_DIR (embedded SQLite)', () => {
  test('a second start on the data directory of a running server is refused with one sentence naming it, and the first keeps working', async (t) => {
    const dataDir = tempDir('jointmap-lock-');
    t.onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = await spawnServer(dataDir);
    t.onTestFinished(() => first.kill());

    const refused = await refusal(dataDir);
    expect(refused).toMatch(/server exited \(1\)/);
    expect(refused).toContain(`DATA_DIR ${dataDir} is in use by another JointMap server`);

    // The first still answers and writes: a login stores a session.
    const { token } = await login(first.url, 'commander');
    const res = await fetch(`${first.url}/api/operations`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect((await fetch(`${first.url}/api/health`)).status).toBe(200);
  });

  test('a server killed with SIGKILL leaves no lock behind: the next start on its data directory succeeds', async (t) => {
    const dataDir = tempDir('jointmap-lock-');
    t.onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = await spawnServer(dataDir);
    t.onTestFinished(() => first.kill());
    await login(first.url, 'commander');
    await first.kill('SIGKILL');

    const second = await spawnServer(dataDir);
    t.onTestFinished(() => second.kill());
    expect((await login(second.url, 'commander')).user.role).toBe('commander');
    // And it holds the directory in turn.
    expect(await refusal(dataDir)).toContain(`DATA_DIR ${dataDir} is in use by another JointMap server`);
  });
});

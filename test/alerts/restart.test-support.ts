import { rmSync } from 'node:fs';
import { vi } from 'vitest';
import type { Config } from '@jointmap/server/config';
import { tempDir, type Teardown, type TestServer } from '../helpers/server.ts';
import { startAlertServer } from './alert-helpers.ts';

/** A data directory that outlives the servers started on it (restarts), removed after the test. */
export function sharedDir(t: Teardown): string {
  const dir = tempDir();
  t.onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Close `server` and start an alert server again with `settings` (the same data directory), once
 * its engine has replayed what the directory keeps.
 *
 * @example
 * server = await restart(t, server, { dataDir });
 */
export async function restart(
  t: Teardown,
  server: TestServer,
  settings: Partial<Config> & { dataDir: string },
): Promise<TestServer> {
  await server.close();
  const restarted = await startAlertServer(t, settings);
  await restarted.alerts.whenIdle();
  return restarted;
}

/**
 * The clock of the servers the test starts afterwards (they run in this process, and read it as
 * `Date.now`): `inOneMillisecond(steps)` holds it at one millisecond while `steps` run, so the
 * fixes they send and the rules they store carry the same time, as on a fast machine.
 */
export function serverClock(t: Teardown) {
  const real = Date.now.bind(Date);
  let held: number | null = null;
  const clock = vi.spyOn(Date, 'now').mockImplementation(() => held ?? real());
  t.onTestFinished(() => clock.mockRestore());
  return {
    async inOneMillisecond(steps: () => Promise<void>): Promise<void> {
      held = real();
      try {
        await steps();
      } finally {
        held = null;
      }
    },
  };
}

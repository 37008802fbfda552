import type { TestProject } from 'vitest/node';
import { ensureServerBuild } from '../scripts/build-server.mjs';

/**
 * Vitest global setup of the files that start the server as a child process (`spawnServer`): the
 * production build `server/dist/server.mjs` is made again when a server or shared source is newer,
 * before the files run and before each rerun in watch mode, so those files never run an older
 * server than the sources they sit beside. `pnpm test:only` builds once before its two vitest runs
 * start, so they do not build side by side.
 */
export default async function setup(project: TestProject): Promise<void> {
  await ensureServerBuild();
  project.onTestsRerun(async () => {
    await ensureServerBuild();
  });
}

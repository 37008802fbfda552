import type { TestProject } from 'vitest/node';
import { ensureServerBuild } from '../scripts/build-server.mjs';

/** Set once the rerun hook is registered: every project using this setup shares one Vitest. */
const HOOKED = Symbol.for('jointmap.serverBuildRerunHook');

/**
 * Vitest global setup of the files that start the server as a child process (`spawnServer`): the
 * production build `server/dist/server.mjs` is made again when a server or shared source is newer,
 * before the files run and before each rerun in watch mode, so those files never run an older
 * server than the sources they sit beside. `pnpm test:only` builds once before its two vitest runs
 * start, so they do not build side by side; within one Vitest the rerun hook is registered once
 * (the projects' setups run one after the other, their rerun hooks together).
 */
export default async function setup(project: TestProject): Promise<void> {
  await ensureServerBuild();
  const g = globalThis as { [HOOKED]?: boolean };
  if (g[HOOKED]) return;
  g[HOOKED] = true;
  project.onTestsRerun(async () => {
    await ensureServerBuild();
  });
}

import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';
import { releaseMemoryWhenIdle } from './idle-memory.ts';

/** The process: read config once, build, listen, shut down cleanly on signals. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const { app, demoLogins } = await buildApp(config);
  const address = await app.listen({ port: config.port, host: config.host });
  releaseMemoryWhenIdle();
  // glibc reads this before Node starts, so only the launcher can set it (scripts/server-launch.mjs).
  if (process.platform === 'linux' && process.env.MALLOC_MMAP_THRESHOLD_ === undefined)
    app.log.info(
      'started without the launch settings of scripts/server-launch.mjs (MALLOC_MMAP_THRESHOLD_=131072, ' +
        '--max-semi-space-size=8 --no-memory-reducer): resident memory may stay about 70 MiB higher; use npm start, start.sh or docs/deploy.md',
    );
  const url = address.replace('0.0.0.0', '127.0.0.1');
  if (demoLogins.length) {
    const lines = demoLogins.map(
      (l) => `    ${l.username.padEnd(10)} ${l.password.padEnd(14)} ${l.role.padEnd(10)} ${l.name}`,
    );
    console.log(
      `\n  Demo operation created. Logins (also in ${config.dataDir}/demo-logins.txt):\n${lines.join('\n')}\n`,
    );
  }
  // The demo operation's pages only where the demo is seeded (SEED_DEMO, on by default).
  const demo = config.seedDemo ? `  (console: ${url}/#/op/demo-tricounty, wall: ${url}/#/wall/demo-tricounty)` : '';
  console.log(`  联勤图 JointMap is running: ${url}/${demo}\n`);
  let closing = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (closing) process.exit(1);
      closing = true;
      app.log.info(`${signal}: closing`);
      app.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

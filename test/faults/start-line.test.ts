import { rmSync } from 'node:fs';
import { expect, test } from 'vitest';
import { spawnServer, tempDir } from '../helpers/server.ts';

test('the start line names the demo operation’s pages only where the demo exists', { timeout: 90_000 }, async (t) => {
  for (const [seed, named] of [
    ['1', true],
    ['0', false],
  ] as const) {
    const dataDir = tempDir('jointmap-start-line-');
    t.onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    const server = await spawnServer(dataDir, { SEED_DEMO: seed });
    t.onTestFinished(() => server.kill());
    const line = server
      .output()
      .split('\n')
      .find((l) => l.includes('is running:'))!;
    expect([seed, line.includes('#/op/demo-tricounty')]).toEqual([seed, named]);
    await server.kill();
  }
});

import { describe, expect, it } from 'vitest';
import { startCluster } from '../helpers/cluster.ts';
import { eventually } from '../helpers/sync-client.ts';
import type { ServerProcess } from '../helpers/server.ts';

/** The line an instance logs when it starts driving the demo's units (server/src/demo/attach-demo.ts). */
const PLAYS = 'demo simulator:';
const playing = (instances: ServerProcess[]) => instances.filter((i) => i.output().includes(PLAYS));

describe('the demo on several instances (PostgreSQL + Redis)', () => {
  it(
    'one instance plays the simulator and the story; when it dies, another takes over',
    { timeout: 90_000 },
    async (t) => {
      // Info: the demo's start is logged; a slow story, so that it is still under way when its instance dies.
      const cluster = await startCluster(t, 2, { SIMULATE: '1', LOG_LEVEL: 'info', DEMO_TIME_SCALE: '10' });
      const [a, b] = cluster.instances as [ServerProcess, ServerProcess];
      await eventually(() => playing([a, b]).length > 0, 15_000, 'an instance playing the demo');
      // Long enough for a second instance to have started it too, had it not been kept from it.
      await new Promise((r) => setTimeout(r, 3000));
      expect(playing([a, b])).toHaveLength(1);
      const [holder] = playing([a, b]);
      const other = holder === a ? b : a;
      expect(other.output()).toContain('run on another instance');
      expect(holder!.output()).toContain('demo story starts');
      expect(other.output()).not.toContain('demo story');

      await holder!.kill('SIGKILL');
      await eventually(() => other.output().includes(PLAYS), 30_000, 'the other instance taking the demo over');
      // The story goes on where it was, once across the instances (its progress is in the shared store).
      await eventually(() => /demo story (resumes|starts)/.test(other.output()), 10_000, 'the story going on');
    },
  );
});

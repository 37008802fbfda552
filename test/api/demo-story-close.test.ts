import { expect, test } from 'vitest';
import { operationDocNames } from '@jointmap/shared';
import { STORY_SESSION_ID, type StoryState } from '@jointmap/server/demo/story-player';
import { TRICOUNTY_STORY_KEY } from '@jointmap/server/demo/tricounty-story';
import { DEMO_OP, startServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/sync-client.ts';
import { closeOp } from './archive-helpers.ts';

const TIME_SCALE = 0.05;
/** Steps done when the operation is closed: the next (`clue`, at 120 s) comes 80 s (4 s scaled) later. */
const DONE_BEFORE_CLOSE = 7;

async function storyState(server: TestServer): Promise<StoryState | null> {
  const saved = await server.ctx.storage.getSetting(TRICOUNTY_STORY_KEY);
  return saved ? (JSON.parse(saved) as StoryState) : null;
}

test('closing the demo operation while its story plays: the story writes nothing after the close, ever', async (t) => {
  const server = await startServer(t, { simulate: true, demoTimeScale: TIME_SCALE });
  const commander = (await server.login('commander')).token;
  let state: StoryState | null = null;
  void (async function poll() {
    for (; (state?.done ?? 0) < DONE_BEFORE_CLOSE; await new Promise((r) => setTimeout(r, 20)))
      state = await storyState(server);
  })();
  await eventually(() => (state?.done ?? 0) >= DONE_BEFORE_CLOSE, 30_000, 'the story under way');
  expect(state!.finished).toBe(false);

  const closed = await closeOp(server, commander);
  expect(closed.status).toBe(200);
  const closedAt = closed.body.operation.closedAt!;

  // Past the time of the next step (which writes a clue), with a margin for a loaded machine.
  await new Promise((r) => setTimeout(r, (120_000 - 40_000) * TIME_SCALE + 1500));
  const late: string[] = [];
  for (const doc of operationDocNames(DEMO_OP, closed.body.operation.stations)) {
    for (const u of await server.ctx.storage.readUpdateLog(doc)) {
      if (u.sessionId === STORY_SESSION_ID && u.time > closedAt) late.push(`${doc}#${u.seq}`);
    }
  }
  expect(late).toEqual([]);
  // The story ended for good: a restart on this data dir does not play it again.
  expect((await storyState(server))?.finished).toBe(true);
  expect((await storyState(server))?.done).toBe(DONE_BEFORE_CLOSE);
});

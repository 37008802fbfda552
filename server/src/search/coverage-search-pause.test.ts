import { expect, it } from 'vitest';
import {
  coverageHarness,
  deqingSector,
  expectedCoverage,
  put,
  squareSearch,
  T,
  walk,
} from './coverage-harness.test-support.ts';

const search = squareSearch();
/** 德清's own sector, no unit named: every patrol of the station sweeps it. */
const a1 = deqingSector();

it('a resumed search leaves out the patrols of the time it was stopped, and counts again from the resume', async () => {
  const h = await coverageHarness('op-cov-pause', { now: T - 450_000 });
  await h.command({ type: 'batch', changes: [put('searches', search), put('sectors', a1)] });
  const before = walk(30.5203, T - 400_000);
  await h.fixes(before);
  expect(await h.fraction()).toBe(expectedCoverage(before));

  // Ended without finding (its task stays open); the station's patrol goes on meanwhile.
  const stoppedAt = T - 300_000;
  h.clock.now = stoppedAt;
  await h.command(put('searches', { ...search, status: 'closed', updatedAt: stoppedAt }));
  const duringPause = walk(30.5212, T - 250_000);
  await h.fixes(duringPause);

  // Resumed: the pause is recorded, and the rebuilt coverage leaves it out.
  const resumedAt = T - 150_000;
  h.clock.now = resumedAt;
  const resumed = { ...search, updatedAt: resumedAt, pauses: [{ from: stoppedAt, to: resumedAt }] };
  await h.command(put('searches', resumed));
  expect(await h.fraction()).toBe(expectedCoverage(before));

  const after = walk(30.5209, T - 100_000);
  await h.fixes(after);
  expect(await h.fraction()).toBe(expectedCoverage([...before, ...after]));
  expect(expectedCoverage([...before, ...after])).toBeLessThan(expectedCoverage([...before, ...duringPause, ...after]));
  expect(h.errors).toEqual([]);
});

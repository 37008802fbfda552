import { expect, it } from 'vitest';
import { releaseYoungGenerationWhenIdle, youngGenerationBytes } from './idle-memory.ts';

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Allocate short-lived objects until V8 has grown its young generation. */
function churn(): void {
  let keep: object[] = [];
  for (let i = 0; i < 3_000_000 && youngGenerationBytes() <= 4 * MiB; i++) {
    keep.push({ i, s: `x${i}` });
    if (keep.length > 200_000) keep = [];
  }
}

it('gives the young generation back once the process is quiet', async () => {
  churn();
  expect(youngGenerationBytes()).toBeGreaterThan(4 * MiB);
  const stop = releaseYoungGenerationWhenIdle(200);
  try {
    // V8 shrinks at a collection only once its recent allocation rate (over a few seconds) is low.
    for (let waited = 0; waited < 10_000 && youngGenerationBytes() > 2 * MiB; waited += 100) await sleep(100);
    expect(youngGenerationBytes()).toBeLessThanOrEqual(2 * MiB);
  } finally {
    stop();
  }
});

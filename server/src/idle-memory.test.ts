import v8 from 'node:v8';
import vm from 'node:vm';
import { expect, it } from 'vitest';
import { oldGenerationSlackBytes, releaseMemoryWhenIdle, youngGenerationBytes } from './idle-memory.ts';

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

/** Wait (up to 10 s) until `done` holds; V8 decides at its own collections. */
async function waitFor(done: () => boolean): Promise<void> {
  for (let waited = 0; waited < 10_000 && !done(); waited += 100) await sleep(100);
}

it('gives the young generation back once the process is quiet', async () => {
  churn();
  expect(youngGenerationBytes()).toBeGreaterThan(4 * MiB);
  const stop = releaseMemoryWhenIdle(200);
  try {
    // V8 shrinks at a collection only once its recent allocation rate (over a few seconds) is low.
    await waitFor(() => youngGenerationBytes() <= 2 * MiB);
    expect(youngGenerationBytes()).toBeLessThanOrEqual(2 * MiB);
  } finally {
    stop();
  }
});

it('gives back the old-generation pages a busy spell left behind once the process is quiet', async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  // A busy spell: 40 MiB or so of objects that live long enough to reach the old generation…
  let kept: object[] = [];
  for (let i = 0; i < 400_000; i++) kept.push({ i, s: `x${i}`, a: [i] });
  gc();
  // …then most of them die; a collection frees them, and V8 keeps the pages the survivors are on.
  kept = kept.filter((_, i) => i % 20 === 0);
  gc();
  expect(oldGenerationSlackBytes()).toBeGreaterThan(16 * MiB);
  const stop = releaseMemoryWhenIdle(200);
  try {
    await waitFor(() => oldGenerationSlackBytes() <= 8 * MiB);
    expect(oldGenerationSlackBytes()).toBeLessThanOrEqual(8 * MiB);
  } finally {
    stop();
  }
  expect(kept).toHaveLength(20_000);
});

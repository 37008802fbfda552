import { expect, it } from 'vitest';
import type { UnitPosition } from '@jointmap/shared';
import { FixGate } from './fix-gate.ts';

const fix = (time: number) => ({ time }) as UnitPosition;

it('fixes wait while the operation loads and while re-reads run, then are judged once, in the order they came', () => {
  const judged: number[] = [];
  const gate = new FixGate((pos) => judged.push(pos.time));
  expect(gate.offer(fix(1))).toBe(true);
  const releaseA = gate.hold();
  expect(gate.offer(fix(2))).toBe(true);
  // The load ends while a re-read still runs: nothing is judged yet.
  gate.loaded();
  expect(gate.isLoading).toBe(false);
  expect(gate.offer(fix(3))).toBe(true);
  const releaseB = gate.hold();
  releaseA();
  releaseA(); // a second call changes nothing
  expect(judged).toEqual([]);
  expect(gate.offer(fix(4))).toBe(true);
  releaseB();
  expect(judged).toEqual([1, 2, 3, 4]);
  // Open: a fix is judged by the caller at once.
  expect(gate.isClosed).toBe(false);
  expect(gate.offer(fix(5))).toBe(false);
  expect(judged).toEqual([1, 2, 3, 4]);
});

it('a load that held more fixes than a call takes arguments hands every one on', () => {
  let judged = 0;
  const gate = new FixGate(() => judged++);
  const release = gate.hold();
  for (let i = 0; i < 300_000; i++) gate.offer(fix(i));
  gate.loaded();
  release();
  expect(judged).toBe(300_000);
});

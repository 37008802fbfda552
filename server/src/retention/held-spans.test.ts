import { describe, expect, it } from 'vitest';
import type { OperationHold, RestoreMark } from '../storage/types.ts';
import { heldSpans, spansOutside } from './held-spans.ts';

const hold = (stations: string[], from: number, to: number | null): OperationHold => ({
  operationId: `op-${from}`,
  stations,
  from,
  to,
  keptBy: 'commander',
  keptAt: 0,
});
const mark = (stations: string[], from: number, to: number): RestoreMark => ({
  operationId: `restore-${from}`,
  stations,
  from,
  to,
  startedAt: 0,
});

describe('held spans', () => {
  it('a closed operation’s hold covers creation to closing, both included; an active one’s runs on for good', () => {
    expect(heldSpans('a', [hold(['a'], 100, 200)], [])).toEqual([{ from: 100, to: 201 }]);
    expect(heldSpans('a', [hold(['a'], 100, null)], [])).toEqual([{ from: 100, to: Infinity }]);
  });

  it('only the station’s own holds and restores count, merged where they overlap or touch', () => {
    const holds = [hold(['a', 'b'], 300, 400), hold(['b'], 0, 1000), hold(['a'], 100, 200)];
    const restores = [mark(['a'], 150, 250), mark(['a'], 401, 500), mark(['c'], 600, 700)];
    expect(heldSpans('a', holds, restores)).toEqual([
      { from: 100, to: 251 },
      { from: 300, to: 501 },
    ]);
    expect(heldSpans('c', holds, restores)).toEqual([{ from: 600, to: 701 }]);
    expect(heldSpans('d', holds, restores)).toEqual([]);
  });

  it('the parts of a stretch outside the held spans, none reaching into one', () => {
    const held = [
      { from: 100, to: 201 },
      { from: 300, to: 501 },
    ];
    expect(spansOutside(0, 1000, held)).toEqual([
      { from: 0, to: 100 },
      { from: 201, to: 300 },
      { from: 501, to: 1000 },
    ]);
    expect(spansOutside(150, 400, held)).toEqual([{ from: 201, to: 300 }]);
    expect(spansOutside(0, 250, [{ from: 100, to: Infinity }])).toEqual([{ from: 0, to: 100 }]);
    expect(spansOutside(120, 180, held)).toEqual([]);
    expect(spansOutside(0, 50, held)).toEqual([{ from: 0, to: 50 }]);
    expect(spansOutside(50, 50, [])).toEqual([]);
  });
});

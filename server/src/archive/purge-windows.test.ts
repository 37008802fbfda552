import { describe, expect, it } from 'vitest';
import { purgeWindows } from './purge-windows.ts';

const op = (stations: string[], createdAt: number, closedAt: number | null) => ({ stations, createdAt, closedAt });

describe('purgeWindows', () => {
  it('keeps the windows of other operations of the same station, an active one to the end of time', () => {
    expect(purgeWindows({ from: 0, to: 100 }, 'deqing', [op(['deqing'], 40, 59)])).toEqual([
      { from: 0, to: 40 },
      { from: 60, to: 100 },
    ]);
    expect(purgeWindows({ from: 0, to: 100 }, 'deqing', [op(['deqing'], 70, null)])).toEqual([{ from: 0, to: 70 }]);
    expect(purgeWindows({ from: 10, to: 100 }, 'deqing', [op(['deqing'], 0, null)])).toEqual([]);
  });

  it('ignores other stations and windows outside, and merges overlapping ones', () => {
    const others = [
      op(['linping'], 0, 90),
      op(['deqing'], 200, 300),
      op(['deqing', 'linping'], 20, 39),
      op(['deqing'], 30, 49),
      op(['deqing'], -50, 4),
    ];
    expect(purgeWindows({ from: 0, to: 100 }, 'deqing', others)).toEqual([
      { from: 5, to: 20 },
      { from: 50, to: 100 },
    ]);
    expect(purgeWindows({ from: 0, to: 100 }, 'tongxiang', others)).toEqual([{ from: 0, to: 100 }]);
  });
});

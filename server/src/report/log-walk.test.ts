import { describe, expect, it } from 'vitest';
import type { LoggedUpdate } from '../storage/types.ts';
import { logPages } from './log-walk.ts';

/** A log whose seqs have gaps (2, 4, … 10); `honours`: whether the store applies `throughSeq`. */
function store(honours: boolean) {
  const rows = [2, 4, 6, 8, 10].map((seq) => ({ seq, update: new Uint8Array([seq]) }) as unknown as LoggedUpdate);
  const queries: Array<[number, number | undefined]> = [];
  return {
    queries,
    readUpdateLogPage: async (_doc: string, afterSeq: number, limit: number, throughSeq?: number) => {
      queries.push([afterSeq, throughSeq]);
      const bound = honours ? (throughSeq ?? Infinity) : Infinity;
      return rows.filter((r) => r.seq > afterSeq && r.seq <= bound).slice(0, limit);
    },
  };
}

async function seqsOf(s: ReturnType<typeof store>, through?: number): Promise<number[][]> {
  const pages: number[][] = [];
  for await (const page of logPages(s, 'doc', 2, 0, through)) pages.push(page.map((u) => u.seq));
  return pages;
}

describe('logPages', () => {
  it('reads pages up to the bound and asks no further once a page ends on it', async () => {
    const s = store(true);
    expect(await seqsOf(s, 6)).toEqual([[2, 4], [6]]);
    expect(s.queries).toEqual([
      [0, 6],
      [4, 6],
    ]);
    const exact = store(true);
    expect(await seqsOf(exact, 4)).toEqual([[2, 4]]);
    expect(exact.queries).toHaveLength(1);
  });

  it('yields nothing past the bound even from a store that ignores it', async () => {
    const s = store(false);
    expect(await seqsOf(s, 5)).toEqual([[2, 4]]);
    const mid = store(false);
    expect(await seqsOf(mid, 7)).toEqual([[2, 4], [6]]);
    expect(mid.queries).toHaveLength(2);
  });

  it('reads the whole log without a bound', async () => {
    expect(await seqsOf(store(true))).toEqual([[2, 4], [6, 8], [10]]);
  });
});

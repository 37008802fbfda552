import { describe, expect, it } from 'vitest';
import { WALL_PAGE_MS, wallPageMs } from './wall-page-time.ts';

describe('wallPageMs', () => {
  it('reads ?page=<seconds> from the wall address within 2–120 s, else the default', () => {
    expect(wallPageMs('#/wall/demo-tricounty?page=12')).toBe(12_000);
    expect(wallPageMs('#/wall/demo-tricounty?lang=en&page=2.5')).toBe(2_500);
    expect(wallPageMs('#/wall/demo-tricounty')).toBe(WALL_PAGE_MS);
    for (const bad of ['1', '121', 'abc', '', '-5'])
      expect(wallPageMs(`#/wall/demo-tricounty?page=${bad}`)).toBe(WALL_PAGE_MS);
  });
});

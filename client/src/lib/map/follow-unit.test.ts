import { describe, expect, it } from 'vitest';
import { insideInner } from './follow-unit.ts';

describe('follow: inner part of the view', () => {
  it('keeps points in the central 60 % still and moves for the rest', () => {
    // 1000×500: the inner part is x 200..800, y 100..400.
    expect(insideInner({ x: 500, y: 250 }, 1000, 500)).toBe(true);
    expect(insideInner({ x: 200, y: 100 }, 1000, 500)).toBe(true);
    expect(insideInner({ x: 199, y: 250 }, 1000, 500)).toBe(false);
    expect(insideInner({ x: 500, y: 401 }, 1000, 500)).toBe(false);
    expect(insideInner({ x: -50, y: 250 }, 1000, 500)).toBe(false);
  });
});

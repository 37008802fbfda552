import { expect, test } from 'vitest';
import { coverageColor, coveragePercent } from './coverage-color.ts';

test('the coverage ramp runs red → amber → green and stays green from 80 %', () => {
  expect([0, 0.2, 0.4, 0.6, 0.8, 0.95, 1].map(coverageColor)).toEqual([
    '#dc2626',
    '#e96219',
    '#f59e0b',
    '#86a12a',
    '#16a34a',
    '#16a34a',
    '#16a34a',
  ]);
});

test('unknown or out-of-range coverage is clamped', () => {
  expect([null, -0.5, 7].map(coverageColor)).toEqual(['#dc2626', '#dc2626', '#16a34a']);
});

test('percentages round down, so 80 % is never shown for less', () => {
  expect([null, 0, 0.29, 0.4499, 0.7999, 0.8, 1, 1.2].map(coveragePercent)).toEqual([0, 0, 29, 44, 79, 80, 100, 100]);
});

import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { operationCopyKey, readOperationCopy, saveOperationCopy } from './operation-copies.ts';
import { forgetOperations } from '../sync/local-copies.ts';
import { memoryStorage } from './memory-storage.test-support.ts';

/** Neighbouring counties about as big as the real ones (most of a copy's size). */
const counties = {
  type: 'FeatureCollection',
  features: [{ type: 'Feature', properties: { name: '临平区' }, geometry: { type: 'Point', coordinates: [0, 0] } }],
  padding: 'x'.repeat(250_000),
} as GeoJSON.FeatureCollection;
const jurisdictions = {
  type: 'FeatureCollection',
  features: [],
  padding: 'j'.repeat(20_000),
} as GeoJSON.FeatureCollection;
const copyOf = (id: string) => ({ view: { id }, jurisdictions, context: counties });
const opdataKeys = () =>
  Array.from({ length: localStorage.length }, (_, i) => localStorage.key(i)!).filter((k) =>
    k.startsWith('jointmap.opdata.'),
  );

beforeEach(() => {
  vi.useFakeTimers();
  vi.stubGlobal('localStorage', memoryStorage(1_000_000));
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('offline copies of operation data', () => {
  test('the neighbouring counties are kept once for all operations, not in every copy', () => {
    for (let i = 0; i < 20; i++) expect(saveOperationCopy('u-deqing', `op-${i}`, copyOf(`op-${i}`))).toBe(true);
    expect(opdataKeys()).toHaveLength(20);
    expect(localStorage.getItem(operationCopyKey('u-deqing', 'op-3'))!.length).toBeLessThan(25_000);
    expect(readOperationCopy('u-deqing', 'op-3')).toEqual(copyOf('op-3'));
  });

  test('when space runs out the least recently used copies are evicted; the operation open now is always kept', () => {
    // Copies as earlier versions wrote them (each with the counties): 3 fill the storage.
    for (let i = 0; i < 3; i++) {
      localStorage.setItem(operationCopyKey('u-deqing', `old-${i}`), JSON.stringify(copyOf(`old-${i}`)));
    }
    for (let i = 0; i < 40; i++) {
      vi.advanceTimersByTime(1000);
      expect(saveOperationCopy('u-deqing', `op-${i}`, copyOf(`op-${i}`))).toBe(true);
      if (i === 5) readOperationCopy('u-deqing', 'op-0'); // reopened offline: used again
    }
    expect(readOperationCopy('u-deqing', 'op-39')).toEqual(copyOf('op-39'));
    expect(readOperationCopy('u-deqing', 'op-0')).toEqual(copyOf('op-0'));
    expect(readOperationCopy('u-deqing', 'op-1')).toBeNull(); // the least recently used went first
    expect(readOperationCopy('u-deqing', 'old-0')).toBeNull();
    expect(console.warn).not.toHaveBeenCalled();
  });

  test('a copy that cannot be kept even alone is logged, not swallowed', () => {
    vi.stubGlobal('localStorage', memoryStorage(10_000));
    expect(saveOperationCopy('u-deqing', 'op-1', copyOf('op-1'))).toBe(false);
    expect(console.warn).toHaveBeenCalledWith(expect.stringContaining('op-1'));
  });

  test("purging an operation deletes every user's copy of its data", async () => {
    saveOperationCopy('u-deqing', 'op-gone', copyOf('op-gone'));
    saveOperationCopy('u-linping', 'op-gone', copyOf('op-gone'));
    saveOperationCopy('u-deqing', 'op-kept', copyOf('op-kept'));
    await forgetOperations([{ id: 'op-gone', stations: [] }], 'u-deqing');
    expect(opdataKeys()).toEqual([operationCopyKey('u-deqing', 'op-kept')]);
  });
});

import { describe, expect, test } from 'vitest';
import { SessionSlots } from './session-slots.ts';

describe('SessionSlots', () => {
  test('a session gets up to max slots; a release frees one, twice frees it once', () => {
    const slots = new SessionSlots(2);
    const a = slots.take('s1');
    const b = slots.take('s1');
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    expect(slots.take('s1')).toBeNull();
    // Another session is counted on its own.
    expect(slots.take('s2')).not.toBeNull();
    a!();
    a!();
    expect(slots.count('s1')).toBe(1);
    const c = slots.take('s1');
    expect(c).not.toBeNull();
    expect(slots.take('s1')).toBeNull();
    b!();
    c!();
    expect(slots.count('s1')).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { DropLog } from './drop-log.ts';
import { judgeFix, type DecodedFix } from './fix-checks.ts';

const NOW = Date.parse('2026-03-01T08:00:00Z');
const limits = { maxFutureMs: 5 * 60_000, maxAgeMs: 7 * 86_400_000, maxFixes: 100 };

/** A decoded fix as the range checks leave it. */
function decoded(over: Partial<DecodedFix>): DecodedFix {
  const f: DecodedFix = {
    deviceId: 'dev-a',
    time: NOW - 10_000,
    lat: 30.5,
    lng: 120.3,
    speedMps: null,
    bearing: null,
    altitude: null,
    accuracy: null,
    battery: null,
    alarm: null,
    valid: true,
    ...over,
  };
  judgeFix(f, NOW, limits);
  return f;
}

describe('DropLog', () => {
  it('flags every alarm without a usable position, also one sent valid=false (not dropped)', () => {
    for (const alarmed of [decoded({ valid: false, alarm: 'sos' }), decoded({ lat: 0, lng: 0, alarm: 'sos' })]) {
      const warnings: object[] = [];
      new DropLog({ warn: (obj) => void warnings.push(obj) }, () => NOW).note('dev-a', 'car-1', [alarmed]);
      expect(warnings, JSON.stringify(alarmed)).toEqual([expect.objectContaining({ alarmWithoutPosition: true })]);
    }
  });

  it('does not flag a fix without a usable position and without an alarm, nor warn for one valid=false', () => {
    const warnings: object[] = [];
    const log = new DropLog({ warn: (obj) => void warnings.push(obj) }, () => NOW);
    log.note('dev-a', 'car-1', [decoded({ valid: false })]);
    expect(warnings).toEqual([]);
    log.note('dev-a', 'car-1', [decoded({ lat: 0, lng: 0 })]);
    expect(warnings).toEqual([expect.not.objectContaining({ alarmWithoutPosition: true })]);
  });
});

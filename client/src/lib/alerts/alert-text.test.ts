import { describe, expect, test } from 'vitest';
import type { Alert } from '@jointmap/shared';
import { evidenceText } from './alert-text.ts';
import { tonesFor } from './alert-sound.ts';

const t = (key: string, p: Record<string, string | number> = {}) => `${key}(${Object.values(p).join(',')})`;
const a = (kind: Alert['kind'], evidence: Alert['evidence']) => ({ kind, evidence }) as Alert;

describe('evidenceText', () => {
  test('names speed with its limit, a corridor distance as off route and a zone distance as from the edge', () => {
    expect(evidenceText(a('overspeed', { speedKmh: 86.4, limitKmh: 60 }), t)).toBe('alerts.evidence.speed(86,60)');
    expect(evidenceText(a('corridor_leave', { distanceM: 120.2 }), t)).toBe('alerts.evidence.distance(120)');
    expect(evidenceText(a('zone_enter', { distanceM: 15 }), t)).toBe('alerts.evidence.edge(15)');
    expect(evidenceText(a('sos', { alarm: 'sos' }), t)).toBe('alerts.evidence.alarm(sos)');
    expect(evidenceText(a('long_stop', {}), t)).toBe('');
  });

  test('an SOS sent without a position says its place is the last known one, or that there is none', () => {
    expect(evidenceText(a('sos', { alarm: 'sos', position: 'last_known', positionTime: 1 }), t)).toBe(
      'alerts.evidence.alarm(sos) · alerts.evidence.lastKnown()',
    );
    expect(evidenceText(a('sos', { alarm: 'sos', position: 'none' }), t)).toBe(
      'alerts.evidence.alarm(sos) · alerts.evidence.noPosition()',
    );
  });
});

describe('alert sounds', () => {
  test('SOS has its own pattern: more, higher and shorter tones than an ordinary alert', () => {
    const sos = tonesFor('sos');
    const zone = tonesFor('zone_enter');
    expect(sos.length).toBeGreaterThan(zone.length);
    expect(Math.min(...sos.map((x) => x.freq))).toBeGreaterThan(Math.max(...zone.map((x) => x.freq)));
    expect(tonesFor('overspeed')).toEqual(zone);
  });
});

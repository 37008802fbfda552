import { describe, expect, test } from 'vitest';
import { explainEntry, type AlertRule } from '@jointmap/shared';
import { buildRule, draftOfRule, newRuleDraft, type RuleDraft } from './rule-draft.ts';
import { bandPxAtZoom0, ruleFeatures } from './rule-features.ts';

const ctx = { id: 'r-new', userId: 'user-1', now: 1_700_000_000_000 };
const square: GeoJSON.Polygon = {
  type: 'Polygon',
  coordinates: [
    [
      [120, 30],
      [120.01, 30],
      [120.01, 30.01],
      [120, 30],
    ],
  ],
};
const draft = (over: Partial<RuleDraft>): RuleDraft => ({ ...newRuleDraft('zone', 'command'), name: '禁区', ...over });

describe('buildRule', () => {
  test('a zone drawn and named becomes a record the command document accepts', () => {
    const r = buildRule(draft({ polygon: square, trigger: 'both', from: '22:00', to: '06:00' }), ctx);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.rule).toMatchObject({
      id: 'r-new',
      type: 'zone',
      stationId: 'command',
      trigger: 'both',
      createdBy: 'user-1',
    });
    expect(r.rule.activeHours).toEqual({ from: '22:00', to: '06:00' });
    expect(explainEntry('command', 'rules', r.rule.id, r.rule, 'command')).toBeNull();
  });

  test('refuses each bad input with the message of its field', () => {
    expect(buildRule(draft({ name: '  ' }), ctx)).toMatchObject({ ok: false, problem: 'rules.error.name' });
    expect(buildRule(draft({ polygon: null }), ctx)).toMatchObject({ ok: false, problem: 'rules.error.polygon' });
    const corridor = { ...draft({}), type: 'corridor' as const };
    expect(buildRule(corridor, ctx)).toMatchObject({ ok: false, problem: 'rules.error.line' });
    const line: GeoJSON.LineString = {
      type: 'LineString',
      coordinates: [
        [120, 30],
        [120.1, 30.1],
      ],
    };
    expect(buildRule({ ...corridor, line, widthM: 2 }, ctx)).toMatchObject({ ok: false, problem: 'rules.error.width' });
    expect(buildRule({ ...draft({}), type: 'speed', limitKmh: 0 }, ctx)).toMatchObject({
      problem: 'rules.error.limit',
    });
    expect(buildRule({ ...draft({}), type: 'stop', maxStopMinutes: null }, ctx)).toMatchObject({
      problem: 'rules.error.minutes',
    });
    expect(buildRule(draft({ polygon: square, from: '8:00', to: '09:00' }), ctx)).toMatchObject({
      problem: 'rules.error.hours',
    });
    expect(buildRule(draft({ polygon: square, from: '08:00', to: '' }), ctx)).toMatchObject({
      problem: 'rules.error.hours',
    });
    expect(buildRule(draft({ polygon: square, from: '08:00', to: '08:00' }), ctx)).toMatchObject({
      problem: 'rules.error.hoursSame',
    });
  });

  test('a speed limit without an area holds everywhere; editing keeps id and author', () => {
    const r = buildRule({ ...draft({}), type: 'speed', limitKmh: 60, scope: 'st-a' }, ctx);
    expect(r.ok && r.rule).toMatchObject({ type: 'speed', area: null, stationId: 'st-a' });
    if (!r.ok) return;
    const again = buildRule(
      { ...draftOfRule(r.rule, 'st-a'), limitKmh: 80 },
      { ...ctx, id: 'other', userId: 'user-2' },
    );
    expect(again.ok && again.rule).toMatchObject({ id: 'r-new', createdBy: 'user-1', limitKmh: 80 });
  });
});

describe('rule map features', () => {
  test('zones and areas are polygons, corridors lines with their band width; signal rules draw nothing', () => {
    const zone = buildRule(draft({ polygon: square }), ctx);
    const line: GeoJSON.LineString = {
      type: 'LineString',
      coordinates: [
        [120, 30],
        [120.1, 30],
      ],
    };
    const corridor = buildRule({ ...draft({}), type: 'corridor', line, widthM: 300 }, { ...ctx, id: 'r-c' });
    const signal = buildRule({ ...draft({}), type: 'signal', noFixMinutes: 5 }, { ...ctx, id: 'r-s' });
    if (!zone.ok || !corridor.ok || !signal.ok) throw new Error('fixtures');
    const fc = ruleFeatures(
      [zone, corridor, signal].map((r) => ({ scope: 'command', record: (r as { rule: AlertRule }).rule })),
    );
    expect(fc.features.map((f) => f.properties?.role)).toEqual(['zone', 'corridor']);
    expect(fc.features[1]!.properties?.bandZ0).toBeCloseTo(bandPxAtZoom0(300, 30));
    // 300 m at 30° N, zoom 12: 78,271.5 m/px at zoom 0 / 4096 × cos 30° = 16.55 m/px → 18.1 px.
    expect(bandPxAtZoom0(300, 30) * 2 ** 12).toBeCloseTo(18.13, 1);
  });
});

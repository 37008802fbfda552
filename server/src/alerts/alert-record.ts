import { withoutControlChars, type Alert } from '@jointmap/shared';
import { alertId } from './alert-id.ts';
import type { AlertDraft, UnitState } from './unit-evaluator.ts';

/** The stored record of an alert the engine raises for a unit of `operationId` (open, raised at `raisedAt`). */
export function alertRecord(operationId: string, state: UnitState, d: AlertDraft, raisedAt: number): Alert {
  return {
    id: alertId(operationId, state.stationId, state.unitId, d.rule?.key ?? 'sos', d.kind, d.episode),
    operationId,
    stationId: state.stationId,
    unitId: state.unitId,
    ruleId: d.rule?.rule.id ?? null,
    ruleScope: d.rule?.scope ?? null,
    // A rule stored before names were checked may hold a NUL, which PostgreSQL would refuse.
    ruleName: d.rule ? withoutControlChars(d.rule.rule.name) : 'SOS',
    kind: d.kind,
    time: d.time,
    raisedAt,
    lngLat: d.lngLat,
    evidence: d.evidence,
    state: 'open',
    acknowledgedBy: null,
    acknowledgedAt: null,
    resolvedBy: null,
    resolvedAt: null,
  };
}

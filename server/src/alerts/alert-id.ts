import { createHash } from 'node:crypto';
import type { AlertKind } from '@jointmap/shared';

/**
 * The id of an alert, made from what identifies the violation: operation, unit (station and id),
 * rule (`<scope>/<ruleId>`, `sos` for alarms), kind and the device time the violation started.
 * A duplicate fix, a late fix or a replay after a restart finds the same id, and the store keeps
 * one row per id.
 */
export function alertId(
  operationId: string,
  stationId: string,
  unitId: string,
  ruleKey: string,
  kind: AlertKind,
  episode: number,
): string {
  return createHash('sha256')
    .update([operationId, stationId, unitId, ruleKey, kind, String(episode)].join('\u0000'))
    .digest('base64url')
    .slice(0, 24);
}

import type pg from 'pg';
import type { Alert, AlertKind, AlertState } from '@jointmap/shared';
import type { AlertFilter, AlertStore } from './types.ts';
import { pgQuery, type PgRow } from './pg-pool.ts';

/** The PostgreSQL side of {@link AlertStore} (table `alerts`, pg-schema.ts). */
export class PgAlertStore implements AlertStore {
  constructor(private readonly pool: pg.Pool) {}

  async insertAlert(a: Alert): Promise<boolean> {
    const { rowCount } = await pgQuery(
      this.pool,
      `INSERT INTO alerts (id, operation_id, station_id, unit_id, rule_id, rule_scope, rule_name, kind, time,
         raised_at, lng, lat, evidence, state, acknowledged_by, acknowledged_at, resolved_by, resolved_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
       ON CONFLICT (id) DO NOTHING`,
      [
        a.id,
        a.operationId,
        a.stationId,
        a.unitId,
        a.ruleId,
        a.ruleScope,
        a.ruleName,
        a.kind,
        a.time,
        a.raisedAt,
        a.lngLat[0],
        a.lngLat[1],
        JSON.stringify(a.evidence),
        a.state,
        person(a.acknowledgedBy),
        a.acknowledgedAt,
        person(a.resolvedBy),
        a.resolvedAt,
      ],
    );
    return (rowCount ?? 0) > 0;
  }

  async endSosPress(operationId: string, id: string, endedAt: number): Promise<void> {
    await pgQuery(
      this.pool,
      `UPDATE alerts SET evidence = (evidence::jsonb || jsonb_build_object('pressEndedAt', $3::bigint))::json
       WHERE operation_id = $1 AND id = $2 AND evidence->>'pressEndedAt' IS NULL`,
      [operationId, id, endedAt],
    );
  }

  async getAlert(operationId: string, id: string): Promise<Alert | null> {
    const { rows } = await pgQuery(this.pool, 'SELECT * FROM alerts WHERE operation_id = $1 AND id = $2', [
      operationId,
      id,
    ]);
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async listAlerts(operationId: string, filter: AlertFilter): Promise<Alert[]> {
    const where = ['operation_id = $1'];
    const args: unknown[] = [operationId];
    if (filter.states?.length) {
      args.push([...filter.states]);
      where.push(`state = ANY($${args.length}::text[])`);
    }
    if (filter.kind) {
      args.push(filter.kind);
      where.push(`kind = $${args.length}`);
    }
    if (filter.stationId) {
      args.push(filter.stationId);
      where.push(`station_id = $${args.length}`);
    }
    if (filter.unitId) {
      args.push(filter.unitId);
      where.push(`unit_id = $${args.length}`);
    }
    if (filter.raisedUntil !== undefined) {
      args.push(filter.raisedUntil);
      where.push(`raised_at <= $${args.length}`);
    }
    if (filter.after) {
      // The list's order is time DESC, id: after a page comes what is older, or as old with a greater id.
      args.push(filter.after.time, filter.after.id);
      where.push(`(time < $${args.length - 1} OR (time = $${args.length - 1} AND id > $${args.length}))`);
    }
    args.push(filter.limit);
    const { rows } = await pgQuery(
      this.pool,
      `SELECT * FROM alerts WHERE ${where.join(' AND ')} ORDER BY time DESC, id LIMIT $${args.length}`,
      args,
    );
    return rows.map(fromRow);
  }

  async updateAlertIf(a: Alert, expected: AlertState): Promise<boolean> {
    const { rowCount } = await pgQuery(
      this.pool,
      `UPDATE alerts SET state = $1, acknowledged_by = $2, acknowledged_at = $3, resolved_by = $4, resolved_at = $5
       WHERE operation_id = $6 AND id = $7 AND state = $8`,
      [
        a.state,
        person(a.acknowledgedBy),
        a.acknowledgedAt,
        person(a.resolvedBy),
        a.resolvedAt,
        a.operationId,
        a.id,
        expected,
      ],
    );
    return (rowCount ?? 0) > 0;
  }
}

const person = (p: { id: string; name: string } | null) => (p ? JSON.stringify(p) : null);

function fromRow(r: PgRow): Alert {
  return {
    id: r.id as string,
    operationId: r.operation_id as string,
    stationId: r.station_id as string,
    unitId: r.unit_id as string,
    ruleId: (r.rule_id as string | null) ?? null,
    ruleScope: (r.rule_scope as string | null) ?? null,
    ruleName: r.rule_name as string,
    kind: r.kind as AlertKind,
    time: r.time as number,
    raisedAt: r.raised_at as number,
    lngLat: [r.lng as number, r.lat as number],
    evidence: r.evidence as Alert['evidence'],
    state: r.state as AlertState,
    acknowledgedBy: (r.acknowledged_by as Alert['acknowledgedBy']) ?? null,
    acknowledgedAt: (r.acknowledged_at as number | null) ?? null,
    resolvedBy: (r.resolved_by as Alert['resolvedBy']) ?? null,
    resolvedAt: (r.resolved_at as number | null) ?? null,
  };
}

/**
 * An operation with more alerts than one page of the store (and than the 10,000 the report and the
 * replay once read, newest first, losing the earliest): the report lists every one, the events list
 * has every one, and a moment early in the operation has the alerts raised by then.
 */
import { describe, expect, it } from 'vitest';
import type { Alert, AlertsMessage, OperationReport, ReplayTimeline } from '@jointmap/shared';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { api } from '../live/live-helpers.ts';
import { fixtures } from '@jointmap/shared/fixtures/records';

const N = 10_050;
const id = (i: number) => `many-${String(i).padStart(6, '0')}`;

describe('an operation with over 10,000 alerts', () => {
  it('the report lists all of them, the events list all of them, and a moment has those raised by then', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('commander');
    const op = (await server.ctx.storage.getOperation(DEMO_OP))!;
    const t0 = op.createdAt + 1_000;
    for (let i = 0; i < N; i++) {
      const time = t0 + i * 1_000;
      // The first one acknowledged 5 s after it was raised: open before that moment.
      const acknowledged = { state: 'acknowledged', acknowledgedBy: { id: 'u-deqing', name: '禹越值班民警' } } as const;
      const alert: Alert = fixtures.sosAlert(
        id(i),
        DEMO_OP,
        time,
        i === 0 ? { ...acknowledged, acknowledgedAt: time + 5_000 } : {},
      );
      expect(await server.ctx.storage.insertAlert(alert)).toBe(true);
    }

    const report = await api<OperationReport>(server, token, 'GET', `/api/operations/${DEMO_OP}/report`);
    expect(report.status).toBe(200);
    expect(report.body.alerts.map((a) => a.id)).toEqual(Array.from({ length: N }, (_, i) => id(i)));
    expect(report.body.alerts[0]!.ackDelayMs).toBe(5_000);

    const early = await api<AlertsMessage>(
      server,
      token,
      'GET',
      `/api/operations/${DEMO_OP}/replay/alerts?at=${t0 + 10_000}`,
    );
    expect(early.status).toBe(200);
    // Raised at t0 … t0 + 10 s, newest first as the live channel lists them; the first acknowledged by then.
    expect(early.body.alerts.map((a) => a.id)).toEqual(Array.from({ length: 11 }, (_, i) => id(10 - i)));
    expect(early.body.alerts.at(-1)).toMatchObject({ state: 'acknowledged', acknowledgedAt: t0 + 5_000 });
    const first = await api<AlertsMessage>(
      server,
      token,
      'GET',
      `/api/operations/${DEMO_OP}/replay/alerts?at=${t0 + 4_999}`,
    );
    expect(first.body.alerts.at(-1)).toMatchObject({ id: id(0), state: 'open', acknowledgedBy: null });
    const last = await api<AlertsMessage>(
      server,
      token,
      'GET',
      `/api/operations/${DEMO_OP}/replay/alerts?at=${t0 + N * 1_000}`,
    );
    expect(last.body.alerts).toHaveLength(N);

    const timeline = await api<ReplayTimeline>(server, token, 'GET', `/api/operations/${DEMO_OP}/replay/events`);
    const alertEvents = timeline.body.events.filter((e) => e.kind === 'alert');
    expect(alertEvents).toHaveLength(N);
    expect(alertEvents[0]!.time).toBe(t0);
    expect(alertEvents.at(-1)!.time).toBe(t0 + (N - 1) * 1_000);
  });
});

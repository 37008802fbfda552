import { describe, expect, it } from 'vitest';
import type { Alert, AlertListResponse, AlertResponse } from '@jointmap/shared';
import { DEMO_OP } from '../helpers/server.ts';
import { api, eventually } from '../live/live-helpers.ts';
import {
  alertViewer,
  CAR,
  line,
  putRules,
  rule,
  send,
  square,
  startAlertServer,
  storedAlerts,
  track,
  YUNHE_CAR,
} from './alert-helpers.ts';

type ErrorBody = { error: { code: string; message: string } };

/** A command zone both demo cars drive into: one alert of 禹越's car, one of 运河's. */
async function twoAlerts(t: Parameters<typeof startAlertServer>[0]) {
  const server = await startAlertServer(t);
  await putRules(server, 'command', [
    rule('command', { id: 'depot', type: 'zone', polygon: square(200), trigger: 'enter' }),
  ]);
  const path = line([-600, 0], [0, 0], 30);
  await send(server, CAR.deviceId, track(Date.now() - 20 * 60_000, 2, path));
  // 运河's car a minute later: its alert is the newer one.
  await send(server, YUNHE_CAR.deviceId, track(Date.now() - 19 * 60_000, 2, path));
  const alerts = await storedAlerts(server);
  const of = (unitId: string) => alerts.find((a) => a.unitId === unitId)!;
  return { server, yuyue: of(CAR.unitId), yunhe: of(YUNHE_CAR.unitId) };
}

const path = (alert: Alert, action: string) => `/api/operations/${DEMO_OP}/alerts/${alert.id}/${action}`;

describe('acknowledging and resolving alerts', () => {
  it('a dispatcher acknowledges and resolves its own station’s alert, recorded with who and when, and live clients follow', async (t) => {
    const { server, yuyue } = await twoAlerts(t);
    const wall = await alertViewer(t, server, 'wall');
    await eventually(() => wall.alerts.some((m) => m.full), 5_000, 'full message');
    expect(wall.alerts[0]!.alerts.map((a) => a.id).sort()).toHaveLength(2);
    const { token } = await server.login('deqing');

    const ack = await api<AlertResponse>(server, token, 'POST', path(yuyue, 'acknowledge'));
    expect(ack.status).toBe(200);
    expect(ack.body.alert.state).toBe('acknowledged');
    expect(ack.body.alert.acknowledgedBy).toEqual({ id: 'u-deqing', name: '禹越值班民警' });
    expect(ack.body.alert.acknowledgedAt).toBeGreaterThan(yuyue.raisedAt - 1);
    await eventually(
      () => wall.alerts.some((m) => !m.full && m.alerts[0]?.state === 'acknowledged'),
      5_000,
      'ack pushed',
    );

    const again = await api<ErrorBody>(server, token, 'POST', path(yuyue, 'acknowledge'));
    expect([again.status, again.body.error.code]).toEqual([409, 'CONFLICT']);
    const resolved = await api<AlertResponse>(server, token, 'POST', path(yuyue, 'resolve'));
    expect(resolved.body.alert).toMatchObject({ state: 'resolved', resolvedBy: { id: 'u-deqing' } });
    await eventually(
      () => wall.alerts.some((m) => !m.full && m.alerts[0]?.state === 'resolved'),
      5_000,
      'resolve pushed',
    );
    expect((await server.ctx.storage.getAlert(DEMO_OP, yuyue.id))?.state).toBe('resolved');
  });

  it('another station’s dispatcher and the wall are refused; a commander may handle any alert', async (t) => {
    const { server, yuyue, yunhe } = await twoAlerts(t);
    const linping = (await server.login('linping')).token;
    const wall = (await server.login('wall')).token;
    const commander = (await server.login('commander')).token;
    for (const token of [linping, wall]) {
      const res = await api<ErrorBody>(server, token, 'POST', path(yuyue, 'acknowledge'));
      expect([res.status, res.body.error.code]).toEqual([403, 'FORBIDDEN']);
    }
    expect((await server.ctx.storage.getAlert(DEMO_OP, yuyue.id))?.state).toBe('open');
    // Resolving before acknowledging is a wrong state.
    const early = await api<ErrorBody>(server, linping, 'POST', path(yunhe, 'resolve'));
    expect([early.status, early.body.error.code]).toEqual([409, 'CONFLICT']);
    expect((await api(server, linping, 'POST', path(yunhe, 'acknowledge'))).status).toBe(200);
    expect((await api(server, commander, 'POST', path(yuyue, 'acknowledge'))).status).toBe(200);
    // /api/metrics counts them by kind, and the handled ones by state.
    const metrics = await (
      await fetch(`${server.url}/api/metrics`, { headers: { authorization: `Bearer ${commander}` } })
    ).text();
    expect(metrics).toMatch(/^jointmap_alerts_raised_total\{kind="zone_enter"\} 2$/m);
    expect(metrics).toMatch(/^jointmap_alerts_handled_total\{state="acknowledged"\} 2$/m);
    expect(metrics).toMatch(/^jointmap_alert_evaluation_seconds_count \d+$/m);
    const missing = await api<ErrorBody>(
      server,
      commander,
      'POST',
      `/api/operations/${DEMO_OP}/alerts/nope/acknowledge`,
    );
    expect([missing.status, missing.body.error.code]).toEqual([404, 'NOT_FOUND']);
  });

  it('lists alerts newest first with filters, and refuses a bad query', async (t) => {
    const { server, yuyue, yunhe } = await twoAlerts(t);
    const { token } = await server.login('wall');
    const list = (q: string) =>
      api<AlertListResponse & ErrorBody>(server, token, 'GET', `/api/operations/${DEMO_OP}/alerts${q}`);
    expect((await list('')).body.alerts.map((a) => a.id)).toEqual([yunhe.id, yuyue.id]);
    expect((await list('?stationId=linping-yunhe')).body.alerts.map((a) => a.id)).toEqual([yunhe.id]);
    expect((await list('?kind=overspeed')).body.alerts).toEqual([]);
    expect((await list('?state=open&limit=1')).body.alerts).toHaveLength(1);
    for (const q of ['?state=closed', '?limit=0', '?limit=x', '?kind=zone_enter&extra=1']) {
      const res = await list(q);
      expect([q, res.status, res.body.error.code]).toEqual([q, 400, 'INVALID_PAYLOAD']);
    }
    const other = await api<ErrorBody>(server, token, 'GET', '/api/operations/no-such-op/alerts');
    expect(other.body.error.code).toBe('NOT_FOUND');
  });
});

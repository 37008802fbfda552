// @vitest-environment jsdom
import { afterEach, expect, test, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import type { OperationReport, ReportMapData } from '@jointmap/shared';
import { i18n } from '../i18n/i18n.svelte.ts';
import { pageTitle } from './page-title.svelte.ts';
import ReportPage from './ReportPage.svelte';

/** 01:30 on 3 December 2026 in China: still 2 December in UTC. */
const STARTED = Date.UTC(2026, 11, 2, 17, 30);

const report: OperationReport = {
  operation: {
    id: 'op-1',
    name: '三县联合搜寻',
    kind: 'search',
    status: 'closed',
    stations: [],
    from: STARTED,
    to: STARTED + 6 * 3_600_000,
  },
  generatedAt: STARTED + 7 * 3_600_000,
  stations: [],
  tasks: [],
  responseTimes: [],
  units: [],
  alerts: [],
  sectors: [],
  changes: [],
};
const map: ReportMapData = { bbox: null, jurisdictions: [], sectors: [], tasks: [], annotations: [], tracks: [] };

// The report comes from the server; here it answers at once.
vi.mock('./report-api.ts', () => ({
  loadReport: () => Promise.resolve(report),
  loadReportMap: () => Promise.resolve(map),
}));

afterEach(() => i18n.set('zh-CN'));

test('the open report names the tab (the PDF file name) after the operation and its China-time day, until it is left', async () => {
  const target = document.createElement('div');
  document.body.append(target);
  const app = mount(ReportPage, { target, props: { operationId: 'op-1' } });
  flushSync();
  expect(pageTitle.text).toBe('联勤图 JointMap');

  await vi.waitFor(() => expect(target.querySelector('[data-testid=report-title]')).not.toBeNull());
  flushSync();
  expect(pageTitle.text).toBe('三县联合搜寻·复盘报告·2026-12-03');

  i18n.set('en');
  flushSync();
  expect(pageTitle.text).toBe('三县联合搜寻 · After-action report · 2026-12-03');

  unmount(app);
  target.remove();
  flushSync();
  expect(pageTitle.text).toBe('JointMap');
});

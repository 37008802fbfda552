// @vitest-environment jsdom
import { afterEach, expect, onTestFinished, test, vi } from 'vitest';
import { flushSync, mount, tick, unmount } from 'svelte';
import { i18n } from '../i18n/i18n.svelte.ts';
import { offlineCommanderSession } from '../state/offline-session-harness.test-support.ts';
import type { OperationRetentionView, RetentionRunView } from './retention-api.ts';
import RetentionSettings from './RetentionSettings.svelte';

const FINISHED = Date.UTC(2026, 5, 1, 2, 30);

const run = (over: Partial<RetentionRunView> = {}): RetentionRunView => ({
  startedAt: FINISHED - 60_000,
  finishedAt: FINISHED,
  unitsTotal: 12,
  unitsDone: 12,
  thinRemoved: 340,
  dropped: 25,
  error: null,
  ...over,
});

const settings = (lastRun: RetentionRunView | null): OperationRetentionView => ({
  operationId: 'op-1',
  hold: null,
  policy: { fullDays: 7, keepDays: 90, toleranceM: 10 },
  running: null,
  lastRun,
  storage: null,
  disk: { freeBytes: 10 * 1024 ** 3, warnBelowBytes: 1024 ** 3, low: false },
});

/**
 * The server: the operation's retention settings answer `view`; "Run now" answers `runAnswer`
 * (status and body); an archive list is empty.
 */
function server(view: () => OperationRetentionView, runAnswer?: { status: number; body: unknown }) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (path: string, init?: RequestInit) => {
      const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status });
      if (path.endsWith('/retention')) return json(200, view());
      if (path === '/api/retention/run' && init?.method === 'POST' && runAnswer)
        return json(runAnswer.status, runAnswer.body);
      if (path.endsWith('/archives')) return json(200, { archives: [] });
      return json(404, { error: { code: 'NOT_FOUND', message: path } });
    }),
  );
}

/** The retention settings of the commander's operation, mounted, once its first load answered. */
async function render(): Promise<HTMLElement> {
  const session = offlineCommanderSession(['deqing-yuyue']);
  const target = document.createElement('div');
  document.body.append(target);
  const app = mount(RetentionSettings, { target, props: { session } });
  onTestFinished(() => {
    unmount(app);
    target.remove();
  });
  await settled(target);
  return target;
}

/** Until the run line shows (the load's fetch and JSON resolve over a few turns). */
async function settled(target: HTMLElement): Promise<void> {
  await vi.waitFor(() => {
    flushSync();
    if (!target.querySelector('[data-testid="retention-run"]')) throw new Error('not loaded');
  });
  await tick();
}

/** The run paragraph's words, without its "Run now" button. */
function runText(el: HTMLElement): string {
  const line = el.querySelector('[data-testid="retention-run"]')!.cloneNode(true) as HTMLElement;
  line.querySelector('button')?.remove();
  return line.textContent!.trim();
}
/** The run paragraph shows its run as failed (in red). */
const shownFailed = (el: HTMLElement) => el.querySelector('[data-testid="retention-run"] .failed') !== null;

afterEach(() => i18n.set('zh-CN'));

test('a failed last run reads as failed, with its reason and what it did before, in Chinese and English', async () => {
  server(() =>
    settings(run({ unitsDone: 5, thinRemoved: 40, dropped: 3, error: 'PostgreSQL unavailable: connection refused' })),
  );
  const el = await render();
  expect(runText(el)).toBe(
    `上次执行 ${i18n.formatDateTime(FINISHED)} 失败：PostgreSQL unavailable: connection refused。中断前已处理 5/12 个单元，抽稀 40 点，删除 3 点`,
  );
  expect(shownFailed(el)).toBe(true);

  i18n.set('en');
  flushSync();
  expect(runText(el)).toBe(
    `Last run ${i18n.formatDateTime(FINISHED)} failed: PostgreSQL unavailable: connection refused. Done before it stopped: 5 of 12 units, fixes thinned 40, deleted 3`,
  );
});

test('a run stopped before its end (shutdown) reads as unfinished; a whole one as before', async () => {
  let last = run({ unitsDone: 4 });
  server(() => settings(last), { status: 200, body: { run: run(), status: settings(run()) } });
  const el = await render();
  expect(runText(el)).toBe(
    `上次执行 ${i18n.formatDateTime(FINISHED)} 未执行完（服务停止），已处理 4/12 个单元：抽稀 340 点，删除 25 点`,
  );
  expect(shownFailed(el)).toBe(false);

  last = run();
  i18n.set('en');
  (el.querySelector('[data-testid="retention-run"] button') as HTMLButtonElement).click();
  await vi.waitFor(() => {
    flushSync();
    expect(runText(el)).toBe(`Last run ${i18n.formatDateTime(FINISHED)}: 340 fixes thinned, 25 deleted`);
  });
  expect(el.querySelector('.error')).toBeNull();
});

test('"Run now" while another server runs it says so; a run that fails shows the failed run', async () => {
  let last: RetentionRunView | null = null;
  server(() => settings(last), {
    status: 409,
    body: { error: { code: 'CONFLICT', message: 'a retention run is under way on another instance of the store' } },
  });
  const el = await render();
  const runNow = () => (el.querySelector('[data-testid="retention-run"] button') as HTMLButtonElement).click();
  runNow();
  await vi.waitFor(() => {
    flushSync();
    expect(el.querySelector('.error')?.textContent).toBe('另一台服务器正在执行数据保留，请稍后再试');
  });

  server(() => settings(last), { status: 500, body: { error: { code: 'INTERNAL', message: 'disk I/O error' } } });
  last = run({ unitsDone: 0, thinRemoved: 0, dropped: 0, error: 'disk I/O error' });
  runNow();
  await vi.waitFor(() => {
    flushSync();
    expect(runText(el)).toContain('失败：disk I/O error');
    expect(el.querySelector('.error')?.textContent).toContain('操作失败');
  });
});

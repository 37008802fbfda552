import { afterEach, expect, test, vi } from 'vitest';
import type { OperationSession } from '../state/operation-session.svelte.ts';
import type { ImportResult } from './interop-api.ts';

/** Each import request waits until the test answers it. */
const pending: Array<{ crs: string; file: Blob; answer: (r: ImportResult) => void; fail: (e: unknown) => void }> = [];
vi.mock('./interop-api.ts', () => ({
  importFile: (_op: string, file: Blob, options: { crs: string }) =>
    new Promise<ImportResult>((answer, fail) => pending.push({ crs: options.crs, file, answer, fail })),
}));
const { ImportDraft } = await import('./import-draft.svelte.ts');

afterEach(() => {
  pending.length = 0;
});

const session = {
  writableScopes: ['s-deqing'],
  user: { stationId: 's-deqing' },
  data: { view: { id: 'op-1' } },
} as unknown as OperationSession;

/** A preview naming what it was asked for in its one feature's label. */
const previewOf = (label: string) => ({ annotations: [{ label }] }) as unknown as ImportResult;

test('the preview shown is the answer to the newest request, whichever answer comes last', async () => {
  const draft = new ImportDraft(session);
  const opened = draft.open(new File(['{}'], 'lines.geojson'));
  draft.crs = 'gcj02';
  const gcj = draft.refresh();
  draft.crs = 'wgs84';
  const wgs = draft.refresh();
  expect(pending.map((p) => p.crs)).toEqual(['wgs84', 'gcj02', 'wgs84']);

  pending[2]!.answer(previewOf('wgs84, newest'));
  await wgs;
  expect(draft.busy).toBe(false);
  pending[1]!.answer(previewOf('gcj02, stale'));
  pending[0]!.fail(new TypeError('failed to fetch'));
  await Promise.all([gcj, opened]);

  expect(draft.crs).toBe('wgs84');
  expect(draft.preview?.annotations[0]?.label).toBe('wgs84, newest');
  expect(draft.error).toBeNull();
  expect(draft.busy).toBe(false);
});

test('a second file does not show the first file’s preview, even when that answer comes last', async () => {
  const draft = new ImportDraft(session);
  const wrong = draft.open(new File(['<kml/>'], 'wrong.kml'));
  const right = draft.open(new File(['<gpx/>'], 'right.gpx'));
  expect(draft.preview).toBeNull();
  pending[1]!.answer(previewOf('right.gpx'));
  await right;
  pending[0]!.answer(previewOf('wrong.kml'));
  await wrong;
  expect(draft.file?.name).toBe('right.gpx');
  expect(draft.preview?.annotations[0]?.label).toBe('right.gpx');
});

test('busy stays on while the newest request is out, though an older one answered', async () => {
  const draft = new ImportDraft(session);
  const first = draft.open(new File(['{}'], 'a.geojson'));
  draft.crs = 'gcj02';
  const second = draft.refresh();
  pending[0]!.answer(previewOf('old'));
  await first;
  expect(draft.busy).toBe(true);
  expect(draft.preview).toBeNull();
  pending[1]!.answer(previewOf('new'));
  await second;
  expect(draft.busy).toBe(false);
});

test('an import the user changed the CRS under is still counted and closes its dialog (it was written)', async () => {
  const draft = new ImportDraft(session);
  const opened = draft.open(new File(['{}'], 'a.geojson'));
  pending[0]!.answer(previewOf('preview'));
  await opened;
  const applied = draft.apply();
  expect(draft.busy).toBe(true);
  draft.crs = 'gcj02';
  const again = draft.refresh();
  pending[1]!.answer({ annotations: [{}, {}, {}] } as unknown as ImportResult);
  await applied;
  pending[2]!.answer(previewOf('late preview'));
  await again;
  expect(draft.done).toBe(3);
  expect(draft.file).toBeNull();
  expect(draft.preview).toBeNull();
  expect(draft.busy).toBe(false);
});

test('an import finishing after another file was dropped counts, and leaves the new file’s dialog open', async () => {
  const draft = new ImportDraft(session);
  const opened = draft.open(new File(['{}'], 'a.geojson'));
  pending[0]!.answer(previewOf('a'));
  await opened;
  const applied = draft.apply();
  const next = draft.open(new File(['{}'], 'b.geojson'));
  pending[1]!.answer({ annotations: [{}] } as unknown as ImportResult);
  await applied;
  pending[2]!.answer(previewOf('b'));
  await next;
  expect(draft.done).toBe(1);
  expect(draft.file?.name).toBe('b.geojson');
  expect(draft.preview?.annotations[0]?.label).toBe('b');
});

import { expect, test } from 'vitest';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { Editor } from './editor.svelte.ts';
import { offlineCommanderSession } from './offline-session-harness.test-support.ts';

test('while measuring or range rings have the map, annotations are not selected, dragged or deleted', () => {
  const session = offlineCommanderSession();
  const editor = new Editor(session);
  session.putAnnotation('command', fixtures.lastKnownPoint({ id: 'a-lastknown01' }));
  const marker = { scope: 'command', id: 'a-lastknown01' };
  editor.selected = marker;

  editor.mapToolActive = true; // 测量 switched on: the selection goes
  expect(editor.selected).toBeNull();
  expect(editor.selecting).toBe(false); // no press starts a drag
  editor.select(marker); // a measuring click on the marker
  expect(editor.selected).toBeNull();
  editor.selected = marker; // however it came to be selected, Delete leaves it
  editor.deleteSelected();
  expect(session.annotations.get('command', 'a-lastknown01')).toBeDefined();

  editor.mapToolActive = false; // switched off: clicks select again
  expect(editor.selecting).toBe(true);
  editor.select(marker);
  expect(editor.selected).toEqual(marker);
  editor.deleteSelected();
  expect(session.annotations.get('command', 'a-lastknown01')).toBeUndefined();
});

test('an annotation label over its limit is refused in the UI’s language, naming the field and the limit', () => {
  const session = offlineCommanderSession();
  const editor = new Editor(session);
  session.putAnnotation('command', fixtures.lastKnownPoint({ id: 'a-lastknown02' }));
  editor.selected = { scope: 'command', id: 'a-lastknown02' };
  expect(editor.update({ label: '长'.repeat(201) })).toBe(false);
  expect(editor.error).toBe('无法保存：标注文字过长（最多 200 个字）');
  expect(session.annotations.get('command', 'a-lastknown02')?.label).not.toHaveLength(201);
});

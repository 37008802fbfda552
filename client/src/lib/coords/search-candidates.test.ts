import { expect, test } from 'vitest';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { offlineCommanderSession } from '../state/offline-session-harness.test-support.ts';
import { searchCandidates } from './search-candidates.ts';

test('listing search candidates leaves the annotation diff for the map layer', () => {
  const session = offlineCommanderSession();
  session.annotations.features(); // the annotation layer's first setData
  session.putAnnotation('command', fixtures.lastKnownPoint({ id: 'a-lastknown01' }));

  // The open search list re-derives on the change before the layer's next frame takes the diff.
  const found = searchCandidates(session).filter((c) => c.kind === 'annotation');
  expect(found.map((c) => c.label)).toEqual(['最后出现位置']);

  const diff = session.annotations.takeDiff();
  expect(diff?.add.map((f) => f.id)).toEqual(['command/a-lastknown01']);
});

import { expect, test } from 'vitest';
import { decodeRejection, docName } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { connectClient, eventually } from '../helpers/sync-client.ts';

const STATION = 'deqing-yuyue';

test('a schema-invalid edit is refused with issues naming each entry and field, and a sentence for stock clients', async (t) => {
  const server = await startServer(t);
  const { token } = await server.login('deqing');
  const writer = await connectClient(t, server.wsUrl, docName(DEMO_OP, STATION), token);
  const tooLong = '长'.repeat(41);

  // One update: a unit whose callsign is too long, an annotation whose label is, and a valid one.
  writer.doc.transact(() => {
    writer.doc.getMap('units').set('unit-test-01', fixtures.unit({ id: 'unit-test-01', callsign: tooLong }));
    writer.doc.getMap('annotations').set('ann-bad', pointAnnotation('ann-bad', 'x'.repeat(201)));
    writer.doc.getMap('annotations').set('ann-ok', pointAnnotation('ann-ok', '正常'));
  });
  await eventually(() => writer.rejections.length > 0, 10_000, 'the refusal');

  expect(writer.rejections).toHaveLength(1);
  const rejection = decodeRejection(writer.rejections[0]!);
  expect(rejection).toMatchObject({
    code: 'INVALID_PAYLOAD',
    doc: docName(DEMO_OP, STATION),
    // The stock client's (and the log's) sentence: the first entry, and how many more.
    message: expect.stringMatching(/^(units\/unit-test-01\/callsign|annotations\/ann-bad\/label): .+ \(and 1 more\)$/),
  });
  expect(rejection!.issues).toHaveLength(2);
  expect(rejection!.issues).toContainEqual({
    entry: 'units/unit-test-01',
    path: '/callsign',
    kind: 'maxLength',
    limit: 40,
    message: expect.any(String),
  });
  expect(rejection!.issues).toContainEqual(
    expect.objectContaining({ entry: 'annotations/ann-bad', path: '/label', kind: 'maxLength', limit: 200 }),
  );

  // The refused entries are gone on the server and for the sender; the valid one stays.
  const room = (await server.ctx.rooms.get(docName(DEMO_OP, STATION))).doc;
  expect(room.getMap('units').has('unit-test-01')).toBe(false);
  expect(room.getMap('annotations').has('ann-bad')).toBe(false);
  expect(room.getMap('annotations').has('ann-ok')).toBe(true);
  await eventually(() => !writer.doc.getMap('units').has('unit-test-01'), 10_000, 'the removal at the sender');
});

test('refusals that are not the schema’s carry no issues', async (t) => {
  const server = await startServer(t);
  const { token } = await server.login('deqing');
  // A station dispatcher may read the command document, not write it.
  const reader = await connectClient(t, server.wsUrl, docName(DEMO_OP, 'command'), token);
  reader.doc.getMap('annotations').set('ann-x', pointAnnotation('ann-x', '越权'));
  await eventually(() => reader.rejections.length > 0, 10_000, 'the refusal');
  const rejection = decodeRejection(reader.rejections[0]!);
  expect(rejection?.code).toBe('FORBIDDEN');
  expect(rejection).not.toHaveProperty('issues');
});

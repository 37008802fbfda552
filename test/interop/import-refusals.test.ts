import { describe, expect, it } from 'vitest';
import { IMPORT_LIMITS, importRunner, type ImportRead } from '../../server/src/interop/import-run.ts';
import { startServer } from '../helpers/server.ts';
import { DEQING } from '../helpers/tasks.ts';
import { kmlOf, uploadFile } from './import-helpers.ts';

const pin = '<Point><coordinates>120.3,30.5</coordinates></Point>';

describe('files the reader cannot take, and uploads past the queue', () => {
  it('KML that makes the KML reader throw is refused as INVALID_PAYLOAD saying why (500 "internal error" before)', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    // A SimpleData field named like a property of every object: the reader calls it as a type converter.
    const field = kmlOf(
      `<Placemark><name>p</name><ExtendedData><SchemaData><SimpleData name="hasOwnProperty">1</SimpleData></SchemaData></ExtendedData>${pin}</Placemark>`,
    );
    const named = await uploadFile(server, token, field, { scope: DEQING });
    expect([named.status, named.body.error?.code]).toEqual([400, 'INVALID_PAYLOAD']);
    expect(named.body.error!.message).toBe(
      'the KML has a data field named "hasOwnProperty", a name that cannot be read: rename the field',
    );
    // 20,000 MultiGeometry one inside the other: the reader's recursion overflows the stack.
    const depth = 20_000;
    const nested = kmlOf(
      `<Placemark><name>p</name>${'<MultiGeometry>'.repeat(depth)}${pin}${'</MultiGeometry>'.repeat(depth)}</Placemark>`,
    );
    const deep = await uploadFile(server, token, nested, { scope: DEQING });
    expect([deep.status, deep.body.error?.code]).toEqual([400, 'INVALID_PAYLOAD']);
    expect(deep.body.error!.message).toBe('the KML nests its elements (such as MultiGeometry) too deeply to read');
    // The server still imports.
    const fine = await uploadFile(server, token, kmlOf(`<Placemark><name>p</name>${pin}</Placemark>`), {
      scope: DEQING,
    });
    expect([fine.status, fine.body.annotations.length]).toEqual([200, 1]);
  });

  it('with the import workers busy and their queue full, one more import is refused at once with RATE_LIMITED; once they finish, imports pass again', async () => {
    const convert = { crs: 'wgs84', author: 'u-test', now: 1, defaultColor: '#112233', maxAnnotations: 10 } as const;
    const job = {
      bytes: kmlOf(`<Placemark><name>p</name>${pin}</Placemark>`),
      maxBytes: 2 ** 20,
      maxFeatures: 10,
      convert,
      withAnnotations: false,
    };
    expect(IMPORT_LIMITS.maxWaiting).toBeGreaterThan(0);
    expect(IMPORT_LIMITS.maxWaiting).toBeLessThanOrEqual(8);
    const run = importRunner(IMPORT_LIMITS);
    const settled: string[] = [];
    const admitted = Array.from({ length: IMPORT_LIMITS.concurrency + IMPORT_LIMITS.maxWaiting }, (_, i) =>
      run(job).then((r: ImportRead) => (settled.push(`job ${i}`), r)),
    );
    const refused = await run(job).then(
      () => null,
      (err: { code?: string; message?: string }) => err,
    );
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', message: /other imports: try again/ });
    // Refused before any of the others finished: it did not wait for a turn.
    expect(settled).toEqual([]);
    expect((await Promise.all(admitted)).map((r) => r.count)).toEqual(admitted.map(() => 1));
    expect((await run(job)).count).toBe(1);
  });
});

import { expect, test } from 'vitest';
import * as Y from 'yjs';
import type { AnsweredSocket } from './state-answers.ts';
import { answerOf, paced, SlowSocket, vectorOf } from './state-answers.test-support.ts';

/** A document of `lines` entries of about 1 KB each. */
function serverDoc(lines: number): Y.Doc {
  const doc = new Y.Doc();
  const map = doc.getMap('annotations');
  for (let i = 0; i < lines; i++) map.set(`a-${i}`, { label: 'x'.repeat(1000), i });
  return doc;
}

test('asks while an answer has not gone out are answered once it has: one answer made then, one empty answer for each further ask', async () => {
  const doc = serverDoc(200);
  const { answers, run, tasks } = paced(doc);
  const socket = new SlowSocket();
  const client = new Y.Doc();
  expect(answers.ask(socket, vectorOf(client))).toBe(true);
  expect(socket.sent).toHaveLength(1);
  const whole = socket.sent[0]!.byteLength;
  expect(whole).toBeGreaterThan(200_000);
  // The client edits and probes three times before the answer reached it; the server changes too.
  client.getMap('annotations').set('mine', { label: 'mine' });
  for (let i = 0; i < 3; i++) expect(answers.ask(socket, vectorOf(client))).toBe(true);
  doc.getMap('annotations').set('a-new', { label: 'new' });
  expect(socket.sent).toHaveLength(1);
  expect(tasks).toHaveLength(0);

  socket.goOut();
  await run();
  // One answer per ask, in order; only the first of the owed ones carries anything.
  expect(socket.sent).toHaveLength(4);
  const [, owed, ...empty] = socket.sent.map((m) => answerOf(m)!);
  expect(owed!.byteLength).toBeLessThan(1_000);
  for (const e of empty) expect(Y.decodeUpdate(e!).structs).toEqual([]);
  for (const m of socket.sent) Y.applyUpdate(client, answerOf(m)!);
  expect(client.getMap('annotations').get('a-new')).toEqual({ label: 'new' });
  expect(client.getMap('annotations').size).toBe(doc.getMap('annotations').size + 1);
  for (const [id, value] of doc.getMap('annotations')) expect(client.getMap('annotations').get(id)).toEqual(value);
});

test('an ask after the answer went out but before it arrived is answered with what came since, not the whole document again', () => {
  const doc = serverDoc(200);
  const { answers } = paced(doc);
  const socket = new SlowSocket();
  const client = new Y.Doc();
  answers.ask(socket, vectorOf(client));
  socket.goOut();
  doc.getMap('annotations').set('a-new', { label: 'new' });
  // The client has not read the answer yet: its state vector is still empty.
  expect(answers.ask(socket, vectorOf(client))).toBe(true);
  expect(socket.sent).toHaveLength(2);
  const second = answerOf(socket.sent[1]!)!;
  expect(second.byteLength).toBeLessThan(1_000);
  for (const m of socket.sent) Y.applyUpdate(client, answerOf(m)!);
  expect(client.getMap('annotations').toJSON()).toEqual(doc.getMap('annotations').toJSON());
});

test('another connection is answered at once with the whole document, whatever waits for the first', () => {
  const doc = serverDoc(50);
  const { answers } = paced(doc);
  const first = new SlowSocket();
  const second = new SlowSocket();
  answers.ask(first, vectorOf(new Y.Doc()));
  answers.ask(first, vectorOf(new Y.Doc()));
  answers.ask(second, vectorOf(new Y.Doc()));
  expect(first.sent).toHaveLength(1);
  expect(second.sent).toHaveLength(1);
  const client = new Y.Doc();
  Y.applyUpdate(client, answerOf(second.sent[0]!)!);
  expect(client.getMap('annotations').toJSON()).toEqual(doc.getMap('annotations').toJSON());
});

test('a malformed state vector is refused, answered or owed; a socket closed before its owed answers gets none', async () => {
  const doc = serverDoc(10);
  const { answers, run } = paced(doc);
  const socket = new SlowSocket();
  expect(answers.ask(socket, Uint8Array.of(5))).toBe(false);
  expect(socket.sent).toHaveLength(0);
  expect(answers.ask(socket, vectorOf(new Y.Doc()))).toBe(true);
  expect(answers.ask(socket, Uint8Array.of(5))).toBe(false);
  expect(answers.ask(socket, vectorOf(new Y.Doc()))).toBe(true);
  socket.close();
  socket.goOut();
  await run();
  expect(socket.sent).toHaveLength(1);
});

test('a socket that cannot tell when its messages went out is answered at every ask', () => {
  const doc = serverDoc(10);
  const { answers } = paced(doc);
  const sent: Uint8Array[] = [];
  const socket: AnsweredSocket = { isOpen: true, send: (d) => void sent.push(d), close: () => undefined };
  for (let i = 0; i < 3; i++) answers.ask(socket, vectorOf(new Y.Doc()));
  expect(sent).toHaveLength(3);
});

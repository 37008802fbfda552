// @vitest-environment jsdom
import { afterEach, expect, onTestFinished, test } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { encodeRejection, type SyncRejection } from '@jointmap/shared';
import Rejections from '../components/Rejections.svelte';
import { i18n } from '../i18n/i18n.svelte.ts';
import { offlineSession } from '../state/offline-session-harness.test-support.ts';
import type { OperationSession } from '../state/operation-session.svelte.ts';
import { scriptedSockets } from './scripted-link.test-support.ts';

/**
 * The server's refusal of entries of an update (a sync rejection) names each entry and field as
 * structure; the console words it from that, never from the English sentence it carries for
 * stock clients.
 */

const DEQING = 'deqing-yuyue';

afterEach(() => {
  i18n.locale = 'zh-CN';
});

/** `[messageAuth, permissionDenied, varString(reason)]`, as the server frames a rejection. */
function permissionDenied(reason: string): ArrayBuffer {
  const text = new TextEncoder().encode(reason);
  const head = [2, 0];
  for (let n = text.length; ; n = Math.floor(n / 128)) {
    if (n <= 0x7f) {
      head.push(n);
      break;
    }
    head.push(0x80 | (n & 0x7f));
  }
  const frame = new Uint8Array(head.length + text.length);
  frame.set(head);
  frame.set(text, head.length);
  return frame.buffer;
}

/** A station desk's session whose document sockets the test plays the server of. */
function stationSession() {
  const link = scriptedSockets();
  const session = offlineSession(
    { id: 'u-deqing', name: '调度', role: 'dispatcher', stationId: DEQING },
    [DEQING],
    'ws://127.0.0.1:9',
    link.Socket,
  );
  return { session, link };
}

/** `rejection` arriving on the station document's socket, as the server sends it. */
function receive(link: ReturnType<typeof scriptedSockets>, rejection: SyncRejection): void {
  const socket = link.sockets.find((s) => s.url.includes(`/sync/op-1/${DEQING}`))!;
  socket.open();
  socket.receive(new Uint8Array(permissionDenied(encodeRejection(rejection))));
}

function render(session: OperationSession): HTMLElement {
  const target = document.createElement('div');
  document.body.append(target);
  const app = mount(Rejections, { target, props: { session } });
  flushSync();
  onTestFinished(() => {
    unmount(app);
    target.remove();
  });
  return target;
}

const alerts = (target: HTMLElement) => [...target.querySelectorAll('[role="alert"]')].map((e) => e.textContent);

test('a refusal of entries reads, in zh-CN, as the field and limit its issues name', () => {
  const { session, link } = stationSession();
  const target = render(session);
  // Two entries refused: the sentence names the first and counts the rest (no validator wording a
  // client could match whole); the issues say which entry, field and rule.
  receive(link, {
    code: 'INVALID_PAYLOAD',
    message: 'units/car-01/callsign: Expected string length less or equal to 40 (and 1 more)',
    doc: `op-1/${DEQING}`,
    issues: [
      {
        entry: 'units/car-01',
        path: '/callsign',
        kind: 'maxLength',
        limit: 40,
        message: 'Expected string length less or equal to 40',
      },
      { entry: 'units/car-02', path: '/members', kind: 'maxItems', limit: 20, message: 'too many' },
    ],
  });
  flushSync();
  expect(alerts(target)).toEqual(['呼号过长（最多 40 个字）']);

  i18n.locale = 'en';
  flushSync();
  expect(alerts(target)).toEqual(['Callsign is too long (at most 40 characters)']);
});

test('a refusal without issues shows its detail as it came', () => {
  const { session, link } = stationSession();
  const target = render(session);
  const message = 'units/car-01: stationId "linping-yunhe" in the document of deqing-yuyue';
  receive(link, { code: 'INVALID_PAYLOAD', message, doc: `op-1/${DEQING}`, issues: [] });
  flushSync();
  expect(alerts(target)).toEqual([`输入不符合要求（${message}）`]);
});

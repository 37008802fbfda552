// @vitest-environment jsdom
import { afterEach, expect, onTestFinished, test, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import type { OperationSession, PresenceEntry } from '../state/operation-session.svelte.ts';
import PresencePanel from './PresencePanel.svelte';

/**
 * The wall's presence list (large) shows whole rows only, measured from its box and one row: jsdom
 * lays nothing out, so here every row and the heading are 1.5 × the font-size high, the list's box
 * is `box` px, and a ResizeObserver reports, when the test says the layout changed, only the
 * elements it observes whose box size changed (as a browser's does).
 */
const screen = { font: 20, box: 0 };
const lineOf = () => 1.5 * screen.font;

type Size = { width: number; height: number };
const observers = new Set<FakeResizeObserver>();
class FakeResizeObserver {
  /** Each observed element and the size last reported for it (0 × 0 until the first report, as in the spec). */
  readonly observed = new Map<Element, Size>();
  constructor(private readonly cb: ResizeObserverCallback) {}
  observe(el: Element): void {
    if (!this.observed.has(el)) this.observed.set(el, { width: 0, height: 0 });
    observers.add(this);
  }
  unobserve(el: Element): void {
    this.observed.delete(el);
  }
  disconnect(): void {
    this.observed.clear();
    observers.delete(this);
  }
  /** Calls back with the observed elements whose size changed since the last report; whether it did. */
  report(): boolean {
    const entries: ResizeObserverEntry[] = [];
    for (const [target, last] of this.observed) {
      const { width, height } = target.getBoundingClientRect();
      if (width === last.width && height === last.height) continue;
      this.observed.set(target, { width, height });
      entries.push({ target, contentRect: new DOMRect(0, 0, width, height) } as ResizeObserverEntry);
    }
    if (entries.length) this.cb(entries, this as unknown as ResizeObserver);
    return entries.length > 0;
  }
}

/** The layout changed (font-size and the list's box): the observers run after it, as a browser runs them. */
function relayout(font: number, box: number): void {
  screen.font = font;
  screen.box = box;
  flushSync();
  // A callback may change the layout again: the browser reports again in the same frame, a few times.
  for (let round = 0; round < 4; round++) {
    let any = false;
    for (const o of [...observers]) any = o.report() || any;
    flushSync();
    if (!any) break;
  }
}

function stubLayout(): void {
  vi.stubGlobal('ResizeObserver', FakeResizeObserver);
  const isList = (el: Element) => el.matches('[data-testid=presence]');
  vi.spyOn(Element.prototype, 'getBoundingClientRect').mockImplementation(function (this: Element) {
    const height = isList(this) ? screen.box : this.matches('h3, .row') ? lineOf() : 0;
    return new DOMRect(0, 0, 100, height);
  });
  vi.spyOn(HTMLElement.prototype, 'clientHeight', 'get').mockImplementation(function (this: HTMLElement) {
    return isList(this) ? screen.box : 0;
  });
  vi.spyOn(window, 'getComputedStyle').mockImplementation(
    () =>
      ({ fontSize: `${screen.font}px`, rowGap: '0px', paddingTop: '0px', paddingBottom: '0px' }) as CSSStyleDeclaration,
  );
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  observers.clear();
});

const person = (id: string, stationId: string | null, isMe = false): PresenceEntry => ({
  clientId: id.length,
  user: { id, name: id, role: stationId ? 'station' : 'commander', stationId },
  pointer: null,
  isMe,
});

/** Eight rows: command (2 people), station a (2), station b (1), each under its heading. */
const everyone = [
  person('wall', null, true),
  person('commander', null),
  person('a1', 'a'),
  person('a2', 'a'),
  person('b1', 'b'),
];

function wallList(): HTMLElement {
  const session = {
    presence: everyone,
    scopeName: (scope: string) => scope,
    colorOf: () => '#123456',
  } as unknown as OperationSession;
  const target = document.createElement('div');
  document.body.append(target);
  const app = mount(PresencePanel, { target, props: { session, large: true } });
  flushSync();
  onTestFinished(() => {
    unmount(app);
    target.remove();
  });
  return target;
}

/** The rows the list shows, and whether they and its heading fit in its box. */
function shown(target: HTMLElement) {
  const rows = target.querySelectorAll('.row').length;
  return { rows, fits: (rows + 1) * lineOf() <= screen.box };
}

/** The wall list mounted on a screen of `font`-px type in a `box`-px high list, laid out once. */
function listOn(font: number, box: number): HTMLElement {
  stubLayout();
  screen.font = font;
  screen.box = box;
  const target = wallList();
  relayout(font, box);
  return target;
}

test('after a resize the wall list shows only whole rows, also when it showed none before at another font-size', () => {
  const target = listOn(20, 4 * 30);
  // The heading and three rows: a station, one person and the "N more" line.
  expect(shown(target)).toEqual({ rows: 3, fits: true });
  expect(target.querySelector('[data-testid=presence-more]')?.textContent).toMatch(/4/);

  // A short window with small type: not even one row fits, none is shown.
  relayout(10, 20);
  expect(shown(target).rows).toBe(0);

  // A big screen: the type grows with it and six rows fit, though no row was there to measure.
  relayout(30, 7 * 45);
  expect(shown(target)).toEqual({ rows: 6, fits: true });
  expect(target.querySelector('[data-testid=presence-more]')?.textContent).toMatch(/2/);
});

test('the wall list shows more rows when the font-size shrinks while its box keeps its height', () => {
  const target = listOn(20, 4 * 30);
  expect(shown(target)).toEqual({ rows: 3, fits: true });

  // Smaller type in the same 120 px box: only the heading (observed) changes size, rows are 15 px.
  relayout(10, 4 * 30);
  // Seven rows: command and its two people, station a and its two, and "1 more" (b1).
  expect(shown(target)).toEqual({ rows: 7, fits: true });
  expect(target.querySelector('[data-testid=presence-more]')?.textContent).toMatch(/\b1\b/);
});

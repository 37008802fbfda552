// @vitest-environment jsdom
import { afterEach, expect, onTestFinished, test, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { COMMAND_SCOPE } from '@jointmap/shared';
import type { OperationSession, PresenceEntry } from '../state/operation-session.svelte.ts';
import PresencePanel from './PresencePanel.svelte';

/**
 * The wall's presence list (large) shows whole rows only, measured from its box and one row: jsdom
 * lays nothing out, so here every row and the heading are 1.5 × the font-size high, the list's box
 * is `box` px, and a ResizeObserver reports, when the test says the layout changed, only the
 * elements it observes whose box size changed (as a browser's does).
 */
const screen = { font: 20, box: 0, gap: 0 };
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
      ({
        fontSize: `${screen.font}px`,
        rowGap: `${screen.gap}px`,
        paddingTop: '0px',
        paddingBottom: '0px',
      }) as CSSStyleDeclaration,
  );
}

afterEach(() => {
  screen.gap = 0;
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
    // As the session names a scope: the command by the label it is given.
    scopeName: (scope: string, o: { command?: string } = {}) => (scope === COMMAND_SCOPE ? (o.command ?? '?') : scope),
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

test('the wall list declares the height all its rows and its heading need, in em rounded up, whatever it shows', () => {
  // Eight rows and the heading, 1.5em each (the gap is 0): 13.5em, and 0.1em to spare.
  const target = listOn(20, 4 * 30);
  const panel = target.querySelector<HTMLElement>('[data-testid=presence]')!;
  expect(panel.getAttribute('style')).toMatch(/contain-intrinsic-height: 13\.6em/);
  expect(panel.style.contain).toBe('size');
  // Smaller type, more rows shown: the same height in em.
  relayout(10, 4 * 30);
  expect(shown(target).rows).toBe(7);
  expect(panel.getAttribute('style')).toMatch(/contain-intrinsic-height: 13\.6em/);
});

test('the declared height counts the gap under the heading and between the rows, rounded up to 0.01em', () => {
  // Heading and eight rows of 24 px, a gap of 2.05 px under the heading and between the rows:
  // 232.4 px at 16 px = 14.525em, and 0.1em to spare: 14.625, rounded up.
  screen.gap = 2.05;
  const target = listOn(16, 400);
  const panel = target.querySelector<HTMLElement>('[data-testid=presence]')!;
  expect(panel.getAttribute('style')).toMatch(/contain-intrinsic-height: 14\.63em/);
});

test('the wall list names the command group by its presence label, a station by its name from the session', () => {
  const target = listOn(20, 20 * 30);
  const names = Array.from(target.querySelectorAll('.station'), (el) => el.textContent?.trim());
  expect(names).toEqual(['指挥部', 'a', 'b']);
});

import { rmSync } from 'node:fs';
import { expect, test } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { buildApp } from '@jointmap/server';
import { defaultConfig } from '@jointmap/server/config';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, tempDir } from '../helpers/server.ts';

/**
 * Chinese text offline on a machine without any Chinese system font (this one): a console and a
 * wall loaded once, then cut off (server stopped, network off), reload and still draw every
 * character of the page and of the map labels with the bundled Noto Sans SC, not with boxes.
 */

async function serverOn(dataDir: string) {
  const built = await buildApp(
    defaultConfig({ port: 0, dataDir, demoPassword: DEMO_PASSWORD, logLevel: 'silent', simulate: false }),
    { logger: false },
  );
  await built.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = built.app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  return { app: built.app, url: `http://127.0.0.1:${addr.port}` };
}

/** Font files the context asked for that did not arrive (failed or refused). */
function fontFailures(context: BrowserContext): { failed: string[]; served: string[] } {
  const out = { failed: [] as string[], served: [] as string[] };
  const isFont = (url: string) => /\.woff2?(?:$|\?)/.test(url);
  context.on('requestfailed', (req) => {
    if (isFont(req.url())) out.failed.push(req.url());
  });
  context.on('response', (res) => {
    if (!isFont(res.url())) return;
    if (res.status() >= 400) out.failed.push(`${res.status()} ${res.url()}`);
    else out.served.push(res.url());
  });
  return out;
}

/**
 * Every distinct character the page shows (text, placeholders, field values, options), each with
 * the weight it is drawn in, checked after asking the browser to load its face: `fonts.check` is
 * false when the Noto Sans SC face that covers the character could not be loaded. Also lists CJK
 * characters that no Noto Sans SC face covers at all (those would fall back to a box here).
 */
function glyphReport(page: Page): Promise<{ chars: number; missing: string[]; uncovered: string[] }> {
  return page.evaluate(async () => {
    await document.fonts.ready;
    const wanted = new Map<string, Set<string>>(); // weight -> chars
    const add = (text: string | null | undefined, el: Element) => {
      if (!text) return;
      const w = Number(getComputedStyle(el).fontWeight) > 500 ? '700' : '400';
      let set = wanted.get(w);
      if (!set) wanted.set(w, (set = new Set()));
      for (const ch of text) if (ch.trim()) set.add(ch);
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (el && el.checkVisibility() && !el.closest('script,style')) add(n.textContent, el);
    }
    for (const el of Array.from(document.querySelectorAll('input, textarea, select'))) {
      if (!el.checkVisibility()) continue;
      if (el instanceof HTMLSelectElement) for (const o of Array.from(el.options)) add(o.text, el);
      else {
        const input = el as HTMLInputElement;
        add(input.placeholder, el);
        if (!['checkbox', 'radio', 'range', 'color', 'hidden'].includes(input.type)) add(input.value, el);
      }
    }
    const faces: FontFace[] = [];
    document.fonts.forEach((f) => faces.push(f));
    const ranges = faces
      .filter((f) => f.family.replace(/["']/g, '') === 'Noto Sans SC')
      .flatMap((f) =>
        f.unicodeRange.split(',').map((r: string) => {
          const [a, b] = r.trim().replace(/^U\+/i, '').split('-');
          return [parseInt(a!, 16), parseInt(b ?? a!, 16)] as const;
        }),
      );
    const missing: string[] = [];
    const uncovered: string[] = [];
    let chars = 0;
    for (const [weight, set] of wanted) {
      const font = `${weight} 16px "Noto Sans SC"`;
      for (const ch of set) {
        chars++;
        try {
          await document.fonts.load(font, ch);
        } catch {
          // a face that fails to load shows up in check() below
        }
        if (!document.fonts.check(font, ch)) missing.push(`${weight}:${ch}`);
        const cp = ch.codePointAt(0)!;
        const cjk = /[\p{Script=Han}\u3000-\u303f\uff00-\uffef]/u.test(ch);
        if (cjk && !ranges.some(([a, b]) => cp >= a && cp <= b)) uncovered.push(ch);
      }
    }
    return { chars, missing, uncovered: [...new Set(uncovered)] };
  });
}

async function expectAllGlyphs(page: Page, what: string): Promise<void> {
  const report = await glyphReport(page);
  expect(report.chars, `${what}: characters on the page`).toBeGreaterThan(20);
  expect(report.missing, `${what}: characters whose font face did not load`).toEqual([]);
  expect(report.uncovered, `${what}: CJK characters no bundled face covers`).toEqual([]);
}

/**
 * Every label the map draws right now (its symbol layers' text, evaluated per rendered feature) and,
 * for each of its characters, the bundled font file that the style's `font-faces` assigns it: a
 * character no file covers would be drawn by whatever the system has (here: a box). Also the map's
 * font faces the browser failed to load (MapLibre skips those and falls back).
 */
function mapLabelReport(
  page: Page,
): Promise<{ labels: string[]; uncovered: string[]; files: string[]; failed: number }> {
  return page.evaluate(async () => {
    interface Evaluable {
      evaluate(f: unknown, state: object): unknown;
    }
    const map = (
      window as unknown as {
        jointmapMap: {
          once(e: string, f: () => void): void;
          triggerRepaint(): void;
          getStyle(): {
            layers: Array<{ id: string; type: string; layout?: Record<string, unknown> }>;
            'font-faces'?: Record<string, Array<{ url: string; 'unicode-range': string[] }>>;
          };
          getLayer(id: string): { layout: { get(k: string): Evaluable } };
          queryRenderedFeatures(o: { layers: string[] }): Array<{ layer: { id: string } }>;
        };
      }
    ).jointmapMap;
    await new Promise<void>((resolve) => {
      map.once('idle', () => resolve());
      map.triggerRepaint();
    });
    const style = map.getStyle();
    const symbolLayers = style.layers.filter((l) => l.type === 'symbol' && l.layout?.['text-field']).map((l) => l.id);
    const labels = new Set<string>();
    for (const f of map.queryRenderedFeatures({ layers: symbolLayers })) {
      const text = String(map.getLayer(f.layer.id).layout.get('text-field').evaluate(f, {}) ?? '');
      if (text.trim()) labels.add(text);
    }
    const faces = Object.values(style['font-faces'] ?? {})
      .flat()
      .map((face) => ({
        url: face.url,
        ranges: face['unicode-range'].map((r) => {
          const [a, b] = r.trim().replace(/^U\+/i, '').split('-');
          return [parseInt(a!, 16), parseInt(b ?? a!, 16)] as const;
        }),
      }));
    const files = new Set<string>();
    const uncovered = new Set<string>();
    for (const label of labels)
      for (const ch of label) {
        if (!ch.trim()) continue;
        const cp = ch.codePointAt(0)!;
        const face = faces.find((fc) => fc.ranges.some(([a, b]) => cp >= a && cp <= b));
        if (face) files.add(new URL(face.url).pathname);
        else uncovered.add(ch);
      }
    let failed = 0;
    document.fonts.forEach((f) => {
      if (f.family.startsWith('maplibre-gl-font-face') && f.status === 'error') failed++;
    });
    return { labels: [...labels], uncovered: [...uncovered], files: [...files], failed };
  });
}

/** The map's labels are all drawn from bundled font files that arrived while offline. */
async function expectMapLabelGlyphs(page: Page, served: string[], what: string): Promise<void> {
  const report = await mapLabelReport(page);
  expect(report.labels.length, `${what}: map labels drawn`).toBeGreaterThan(3);
  expect(
    report.labels.some((l) => /\p{Script=Han}/u.test(l)),
    `${what}: Chinese map labels`,
  ).toBe(true);
  expect(report.uncovered, `${what}: map label characters no bundled face covers`).toEqual([]);
  const got = new Set(served.map((u) => new URL(u).pathname));
  expect(
    report.files.filter((f) => !got.has(f)),
    `${what}: font files of map labels not loaded offline`,
  ).toEqual([]);
  expect(report.failed, `${what}: map font faces that failed to load`).toBe(0);
}

test('console, wall and login loaded once draw every character of the page and the map labels after an offline reload; report and replay too', async (t) => {
  assertClientBuilt();
  const dataDir = tempDir();
  const server = await serverOn(dataDir);
  let closed = false;
  t.onTestFinished(async () => {
    if (!closed) await server.app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const browser = await launchBrowser(t);
  const desk = await newContext(browser, { viewport: { width: 1366, height: 768 }, serviceWorker: true });
  const wall = await newContext(browser, { viewport: { width: 1600, height: 900 }, serviceWorker: true });
  const [pd, pw] = await Promise.all([desk.context.newPage(), wall.context.newPage()]);
  await loginAs(pd, server.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await loginAs(pw, server.url, 'wall', DEMO_PASSWORD, `#/wall/${DEMO_OP}`);
  for (const p of [pd, pw]) {
    await waitForMap(p);
    // Loaded once: the service worker has installed and controls the page.
    await p.waitForFunction(() => navigator.serviceWorker?.controller !== null, undefined, { timeout: 60_000 });
  }

  // The after-action report and the replay read the server's history, so they are checked before the
  // outage, in tabs of the same desk (their font files come through the same service worker).
  for (const [hash, ready] of [
    [`#/report/${DEMO_OP}`, '[data-testid=report-title]'],
    [`#/replay/${DEMO_OP}`, '[data-testid=replay-moment]:not([data-at=""])'],
  ] as const) {
    const tab = await desk.context.newPage();
    await tab.goto(`${server.url}/${hash}`);
    await tab.waitForSelector(ready, { timeout: 60_000 });
    await expectAllGlyphs(tab, hash.split('/')[1]!);
    await tab.screenshot({ path: `test-results/offline-glyphs-${hash.split('/')[1]}.png` });
    await tab.close();
  }

  // Cut off: the server is gone and the network is down.
  await server.app.close();
  closed = true;
  const fonts = [fontFailures(desk.context), fontFailures(wall.context)];
  await desk.context.setOffline(true);
  await wall.context.setOffline(true);

  await pw.reload();
  await waitForMap(pw);
  await pw.waitForSelector('[data-testid=wall]');
  await expectAllGlyphs(pw, 'wall');
  await expectMapLabelGlyphs(pw, fonts[1]!.served, 'wall map');

  await pd.reload();
  await waitForMap(pd);
  await pd.waitForSelector('[data-testid=roster-unit]');
  await expectAllGlyphs(pd, 'console');
  // Strings the console had not shown before the outage: a unit's details and its track replay.
  await pd.locator('[data-testid=roster-unit] button.callsign').first().click();
  await pd.waitForSelector('[data-testid=unit-details]');
  await expectAllGlyphs(pd, 'console with unit details');
  await pd.locator('header a.home').click();
  await pd.waitForFunction(() => location.hash === '#/');
  await expectAllGlyphs(pd, 'operation list');

  // Map labels: MapLibre drew them from font files that all came out of the cache.
  await pd.evaluate(() => history.back());
  await waitForMap(pd);
  for (const f of fonts) expect(f.failed).toEqual([]);
  const mapFaces = fonts.flatMap((f) => f.served).filter((u) => /-500-normal-/.test(u));
  expect(mapFaces.length, 'map label fonts fetched while offline').toBeGreaterThan(0);
  await expectMapLabelGlyphs(pd, fonts[0]!.served, 'console map');
  await pd.screenshot({ path: 'test-results/offline-glyphs-console.png' });
  await pw.screenshot({ path: 'test-results/offline-glyphs-wall.png' });

  // The login page, still offline (a session that ran out signs in again here).
  await pd.evaluate(() => (location.hash = '#/login'));
  await pd.waitForSelector('input[name=username]');
  await expectAllGlyphs(pd, 'login');
});

import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { DEMO_OP } from '../helpers/server.ts';
import { sharedConsoles } from './shared-consoles.test-support.ts';

/**
 * The commander's console header and map toolbar keep one row on a 1366-pixel desk, in both
 * languages, and every entry stays reachable: the less-used header entries behind 更多, the drawing
 * tools as icons with their names for tooltips and screen readers.
 */

const consoles = sharedConsoles();

async function openConsole(size: { width: number; height: number }, lang: 'zh-CN' | 'en'): Promise<Page> {
  const page = await consoles.open({ user: 'commander', viewport: size, lang });
  await page.waitForSelector('[data-testid=retention-open]', { state: 'attached' });
  return page;
}

/**
 * Rows a bar uses (distinct tops of its visible children), children that break inside (taller than
 * one line of the bar), and children that stick out of the window.
 */
function rowsOf(page: Page, selector: string) {
  return page.locator(selector).evaluate((bar) => {
    const kids = Array.from(bar.querySelectorAll(':scope > *, :scope > * > *')).filter((el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(el).position !== 'absolute' && !el.closest('[hidden]');
    });
    const barBox = bar.getBoundingClientRect();
    const centres = kids
      .map((el) => (el.getBoundingClientRect().top + el.getBoundingClientRect().bottom) / 2)
      .sort((a, b) => a - b);
    const rows = centres.filter((c, i) => i === 0 || c - centres[i - 1]! > 12).length;
    const name = (el: Element) => `${el.tagName.toLowerCase()} "${(el.textContent ?? '').trim().slice(0, 16)}"`;
    return {
      rows,
      tall: kids.filter((el) => el.getBoundingClientRect().height > 44).map(name),
      outside: kids
        .filter(
          (el) =>
            el.getBoundingClientRect().right > innerWidth + 0.5 || el.getBoundingClientRect().left < barBox.left - 0.5,
        )
        .map(name),
      height: barBox.height,
    };
  });
}

for (const lang of ['zh-CN', 'en'] as const) {
  test(`at 1366×768 (${lang}) the header and the map toolbar each keep one row and lose no entry`, async () => {
    const page = await openConsole({ width: 1366, height: 768 }, lang);
    const header = await rowsOf(page, '[data-testid=console] > header');
    expect(header, 'header').toMatchObject({ rows: 1, tall: [], outside: [] });
    expect(header.height).toBeLessThan(56);
    const toolbar = await rowsOf(page, '[data-testid=toolbar]');
    expect(toolbar, 'map toolbar').toMatchObject({ rows: 1, tall: [], outside: [] });
    expect(toolbar.height).toBeLessThan(52);
    // The right column is not pushed off the window by a wide header.
    const aside = (await page.locator('[data-testid=console] aside').boundingBox())!;
    expect(aside.x + aside.width).toBeLessThanOrEqual(1366.5);
    await page.screenshot({ path: `test-results/console-header-1366-${lang}.png` });

    // Icon-only drawing tools still say what they are.
    for (const tool of ['select', 'point', 'line', 'polygon', 'circle', 'text']) {
      const button = page.locator(`[data-testid=toolbar] button[data-tool=${tool}]`);
      expect(await button.getAttribute('aria-label'), tool).toBeTruthy();
      expect(await button.getAttribute('title'), tool).toContain((await button.getAttribute('aria-label'))!);
    }
    for (const id of ['undo', 'redo']) expect(await page.getByTestId(id).getAttribute('aria-label')).toBeTruthy();
    await page.getByRole('button', { name: lang === 'en' ? 'Polygon' : '面', exact: true }).click();
    await expect.poll(() => page.locator('[data-tool=polygon]').getAttribute('class')).toContain('active');
    await page.getByRole('button', { name: lang === 'en' ? 'Select' : '选择', exact: true }).click();

    // The folded entries: hidden until 更多 opens, each one works from the menu.
    for (const id of ['report-open', 'replay-open', 'interop-open', 'retention-open'])
      expect(await page.getByTestId(id).isVisible(), id).toBe(false);
    const more = page.getByTestId('header-more-open');
    await more.click();
    expect(await more.getAttribute('aria-expanded')).toBe('true');
    for (const id of ['report-open', 'replay-open', 'interop-open', 'retention-open'])
      expect(await page.getByTestId(id).isVisible(), id).toBe(true);
    expect(await page.getByTestId('report-open').getAttribute('href')).toBe(`#/report/${DEMO_OP}`);
    expect(await page.getByTestId('replay-open').getAttribute('href')).toBe(`#/replay/${DEMO_OP}`);
    await page.getByTestId('interop-open').click();
    await page.getByTestId('export-annotations-geojson').waitFor();
    await page.screenshot({ path: `test-results/console-header-more-${lang}.png` });
    await page.getByTestId('interop-open').click();
    await page.getByTestId('retention-open').click();
    await page.getByTestId('retention-settings').waitFor();
    // A dialog opened from the menu keeps its own size and place.
    const dialog = (await page.getByTestId('retention-settings').boundingBox())!;
    expect(dialog.width, 'retention dialog width').toBeLessThan(500);
    expect(dialog.x, 'retention dialog position').toBeGreaterThan(1366 / 2);
    expect(
      await page.getByTestId('retention-settings').evaluate((el) => el.scrollWidth - el.clientWidth),
      'retention dialog text wraps inside it',
    ).toBe(0);
    await page.locator('[data-testid=retention-settings] header button.close').click();
    // A click on the map closes the menu.
    await page.mouse.click(500, 400);
    await expect.poll(() => more.getAttribute('aria-expanded')).toBe('false');
    expect(await page.getByTestId('report-open').isVisible()).toBe(false);
  });
}

test('at 1920×1080 the header shows every entry itself, with no 更多 button', async () => {
  const page = await openConsole({ width: 1920, height: 1080 }, 'zh-CN');
  expect(await page.getByTestId('header-more-open').isVisible()).toBe(false);
  for (const id of ['report-open', 'replay-open', 'interop-open', 'retention-open'])
    expect(await page.getByTestId(id).isVisible(), id).toBe(true);
  // The drawing tools show their names beside their icons.
  const label = (await page.locator('[data-tool=polygon] .label').boundingBox())!;
  expect(label.width).toBeGreaterThan(10);
  expect(await rowsOf(page, '[data-testid=console] > header')).toMatchObject({ rows: 1, tall: [], outside: [] });
  expect(await rowsOf(page, '[data-testid=toolbar]')).toMatchObject({ rows: 1, tall: [], outside: [] });
  await page.screenshot({ path: 'test-results/console-header-1920.png' });
});

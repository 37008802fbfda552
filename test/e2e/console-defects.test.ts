import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { annotationsOf, drawLine } from './map-actions.ts';
import { sharedConsoles } from './shared-consoles.test-support.ts';

/** Small console defects: keys in a drop-down, date-time fields, English text, the right column. */

const consoles = sharedConsoles();

const LINE: Array<[number, number]> = [
  [120.05, 30.5],
  [120.15, 30.55],
  [120.2, 30.62],
];

/** A desk console of 德清 at `size`, browser locale `locale`, UI language `lang`. */
function openConsole(
  size = { width: 1366, height: 768 },
  locale = 'zh-CN',
  lang: 'zh-CN' | 'en' = 'zh-CN',
): Promise<Page> {
  return consoles.open({ user: 'deqing', viewport: size, locale, lang });
}

/** Draw a line (left selected) and return its id; the tests share one server and its drawings. */
async function drawSelectedLine(page: Page): Promise<string> {
  const before = new Set(Object.keys(await annotationsOf(page, 'deqing-yuyue')));
  await drawLine(page, LINE);
  await page.waitForSelector('[data-testid=properties]');
  const ids = Object.keys(await annotationsOf(page, 'deqing-yuyue')).filter((id) => !before.has(id));
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

test('Backspace and Delete in a status drop-down do not delete the selected drawing', async () => {
  const page = await openConsole();
  const id = await drawSelectedLine(page);
  const select = page.locator('[data-testid=unit-status-select]').first();
  for (const key of ['Backspace', 'Delete']) {
    await select.focus();
    await page.keyboard.press(key);
  }
  await page.locator('[data-testid=share-pointer]').focus(); // a checkbox
  await page.keyboard.press('Delete');
  expect(Object.keys(await annotationsOf(page, 'deqing-yuyue'))).toContain(id);
  await expect.poll(() => page.locator('[data-testid=properties]').count()).toBe(1);

  // With the focus back on the map, the same key does delete it.
  await page.locator('[data-testid=map] canvas').focus();
  await page.keyboard.press('Delete');
  await expect.poll(async () => Object.keys(await annotationsOf(page, 'deqing-yuyue'))).not.toContain(id);
});

test('date-time fields of the track replay follow the interface language, not the browser', async () => {
  // A Chinese console on a US-English browser, as the dispatcher found it.
  const page = await openConsole(undefined, 'en-US', 'zh-CN');
  await page.locator('[data-testid=roster-unit] button.callsign').first().click();
  await page.waitForSelector('[data-testid=track-replay]');
  for (const id of ['track-from', 'track-to']) {
    const field = page.locator(`[data-testid=${id}]`);
    expect(await field.evaluate((el) => (el.closest('[lang]') as HTMLElement).lang)).toBe('zh-CN');
    expect(await field.getAttribute('type')).toBe('text');
    expect(await field.inputValue()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  }
  await page.locator('[data-testid=track-replay]').scrollIntoViewIfNeeded();
  await page.locator('[data-testid=track-replay]').screenshot({ path: 'test-results/console-track-fields-zh.png' });
  // A typed window loads; a US-style one is refused before any request.
  await page.fill('[data-testid=track-from]', '2026-01-01 08:00');
  await page.fill('[data-testid=track-to]', '2026-01-01 09:30');
  expect(await page.isEnabled('[data-testid=track-load]')).toBe(true);
  await page.fill('[data-testid=track-to]', '01/01/2026, 09:30 AM');
  expect(await page.isEnabled('[data-testid=track-load]')).toBe(false);
  expect(await page.getAttribute('[data-testid=track-to]', 'aria-invalid')).toBe('true');
  // Switched to English, the fields say so.
  await page.click('header button:has-text("English")');
  expect(await page.locator('html').getAttribute('lang')).toBe('en');
  expect(
    await page.locator('[data-testid=track-from]').evaluate((el) => (el.closest('[lang]') as HTMLElement).lang),
  ).toBe('en');
});

/**
 * Everything the console shows as text (text nodes, placeholders, titles, option labels, field
 * values), minus user data the page holds (operation, station, unit and person names,
 * annotation labels): in English none of it may be Chinese.
 */
function chineseInterfaceText(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    type Hooks = {
      jointmap: { session: { docs: Array<{ doc: { toJSON(): unknown } }>; data: { view: unknown }; user: unknown } };
    };
    const s = (window as unknown as Hooks).jointmap.session;
    const userData = new Set<string>();
    const collect = (v: unknown) => {
      if (typeof v === 'string') {
        if (/\p{Script=Han}/u.test(v)) userData.add(v);
      } else if (Array.isArray(v)) v.forEach(collect);
      else if (v && typeof v === 'object') Object.values(v).forEach(collect);
    };
    for (const d of s.docs) collect(d.doc.toJSON());
    collect(s.data);
    collect(s.user);
    for (const el of Array.from(document.querySelectorAll('[data-testid=presence] *'))) collect(el.textContent?.trim());
    const strip = (text: string) => {
      let out = text;
      for (const u of [...userData].sort((a, b) => b.length - a.length)) out = out.split(u).join(' ');
      return out;
    };
    const found: string[] = [];
    const check = (text: string | null | undefined) => {
      if (text && /[\p{Script=Han}\u3000-\u303f\uff00-\uffef]/u.test(strip(text))) found.push(text.trim());
    };
    // Text marked as another language (the switch to 中文) is meant to be in that language.
    const inEnglish = (el: Element | null | undefined) => el?.closest('[lang]')?.getAttribute('lang') === 'en';
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode())
      if (n.parentElement?.checkVisibility() && inEnglish(n.parentElement)) check(n.textContent);
    for (const el of Array.from(
      document.querySelectorAll<HTMLElement>('[placeholder], [title], [aria-label], option, input'),
    )) {
      if ((!el.checkVisibility() && el.tagName !== 'OPTION') || !inEnglish(el)) continue;
      check(el.getAttribute('placeholder'));
      check(el.getAttribute('title'));
      check(el.getAttribute('aria-label'));
      if (el instanceof HTMLOptionElement) check(el.text);
    }
    return [...new Set(found)];
  });
}

test('in English the console has no Chinese text but user data, and no full-width colon', async () => {
  const page = await openConsole(undefined, 'en-US', 'en');
  expect(await page.locator('html').getAttribute('lang')).toBe('en');
  expect(await chineseInterfaceText(page)).toEqual([]);
  // A selected drawing, a unit's details and the new-unit form (its placeholder).
  await drawSelectedLine(page);
  expect(await chineseInterfaceText(page)).toEqual([]);
  await page.locator('[data-testid=roster-unit] button.callsign').first().click();
  await page.waitForSelector('[data-testid=unit-details]');
  await page.click('[data-testid=roster-add]');
  await page.waitForSelector('[data-testid=unit-editor]');
  expect(await chineseInterfaceText(page)).toEqual([]);
  // A unit with two members: the list separator is English too, in its details and its editor.
  await page.fill('[data-testid=unit-callsign-input]', 'Patrol 09');
  await page.fill('[data-testid=unit-members-input]', '张三，李四');
  await page.click('[data-testid=unit-save]');
  await page.waitForSelector('[data-testid=unit-details]:has-text("Patrol 09")');
  expect(await chineseInterfaceText(page)).toEqual([]);
  await page.click('[data-testid=unit-edit]');
  expect(await page.inputValue('[data-testid=unit-editor] [data-testid=unit-members-input]')).toBe('张三, 李四');
  expect(await chineseInterfaceText(page)).toEqual([]);
  await page.screenshot({ path: 'test-results/console-english.png' });
  // The operation list: "Stations:" with an ASCII colon.
  await page.click('header a.home');
  await page.waitForSelector('[data-testid=operation-item]');
  const stations = await page.locator('[data-testid=operation-item] .stations').first().innerText();
  expect(stations).toMatch(/^Stations: /);
  expect(stations).not.toContain('：');
});

test('at 1366×768 with a drawing and a unit selected, the roster and presence stay reachable on screen', async () => {
  const page = await openConsole({ width: 1366, height: 768 });
  await page.locator('[data-testid=roster-unit] button.callsign').first().click();
  await page.waitForSelector('[data-testid=unit-details]');
  await drawSelectedLine(page);
  await page.waitForSelector('[data-testid=properties]');
  await page.waitForSelector('[data-testid=unit-details]');
  await page.screenshot({ path: 'test-results/console-right-column.png' });
  const inViewport = (selector: string) =>
    page.locator(selector).evaluate((el) => {
      const r = el.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + Math.min(20, r.width / 2), r.top + r.height / 2);
      return r.top >= 0 && r.bottom <= innerHeight && r.height > 0 && !!hit && (el === hit || el.contains(hit));
    });
  expect(await inViewport('[data-testid=roster] h3'), 'roster heading').toBe(true);
  expect(await inViewport('[data-testid=presence] h3'), 'presence heading').toBe(true);
});

test('a long callsign shortens in the roster: its status and the station buttons stay in the column', async () => {
  const page = await openConsole({ width: 1366, height: 768 });
  const callsign = '禹越增援巡逻车组（长程联络）一号';
  await page.click('[data-testid=roster-station][data-station=deqing-yuyue] [data-testid=roster-add]');
  await page.waitForSelector('[data-testid=unit-editor]');
  await page.fill('[data-testid=unit-callsign-input]', callsign);
  await page.click('[data-testid=unit-save]');
  const row = page.locator('[data-testid=roster-unit]', {
    has: page.locator('button.callsign', { hasText: callsign }),
  });
  await row.waitFor();
  await row.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/console-roster-long-callsign.png' });
  const fit = await page.locator('[data-testid=roster]').evaluate((roster) => {
    const box = roster.getBoundingClientRect();
    const outside = Array.from(
      roster.querySelectorAll('[data-testid=roster-unit] > *, [data-testid=roster-station] .head > *'),
    )
      .filter((el) => {
        const r = el.getBoundingClientRect();
        return r.width > 0 && (r.left < box.left - 0.5 || r.right > box.right + 0.5);
      })
      .map((el) => `${el.className} "${el.textContent?.trim().slice(0, 12)}"`);
    return { outside, overflowX: roster.scrollWidth - roster.clientWidth };
  });
  expect(fit).toEqual({ outside: [], overflowX: 0 });
  // The callsign is shortened on screen, not lost: it is the button's tooltip.
  expect(await row.locator('button.callsign').evaluate((b) => b.scrollWidth > b.clientWidth)).toBe(true);
  expect(await row.locator('button.callsign').getAttribute('title')).toBe(callsign);
  expect(await row.locator('[data-testid=unit-status-select]').isVisible()).toBe(true);
});

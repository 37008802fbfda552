import type { Page } from 'playwright-core';

/** What the page exposes for tests: the open operation and its map. */
export interface PageHooks {
  jointmap?: {
    session: {
      annotations: {
        size: number;
        get(scope: string, id: string): unknown;
        features(): Array<{ properties: Record<string, unknown> }>;
      };
      canWrite(scope: string): boolean;
      pending: number;
      connection: string;
      docs: Array<{ scope: string; doc: { getMap(name: string): { toJSON(): Record<string, unknown> } } }>;
    };
  };
  jointmapMap?: {
    project(p: [number, number]): { x: number; y: number };
    querySourceFeatures(id: string): Array<{ properties: Record<string, unknown> }>;
  };
}

/**
 * Move the page's map at once (MapLibre `jumpTo`); with `idle`, resolve once the map has drawn
 * the new view. The evaluate never returns the map: Playwright would serialise it whole, typed
 * arrays and all (seconds a jump).
 */
export async function jumpTo(
  page: Page,
  view: { center?: [number, number]; zoom?: number },
  options: { idle?: boolean } = {},
): Promise<void> {
  await page.evaluate(
    ({ v, idle }) => {
      const map = (
        window as unknown as { jointmapMap: { jumpTo(o: typeof v): void; once(e: string, f: () => void): void } }
      ).jointmapMap;
      const drawn = idle ? new Promise<void>((resolve) => map.once('idle', () => resolve())) : undefined;
      map.jumpTo(v);
      return drawn;
    },
    { v: view, idle: options.idle ?? false },
  );
}

/** Screen position (page coordinates) of a WGS-84 position on the page's map. */
export async function screenOf(page: Page, lngLat: [number, number]): Promise<{ x: number; y: number }> {
  const p = await page.evaluate((ll) => (window as unknown as PageHooks).jointmapMap!.project(ll), lngLat);
  const box = await page.locator('[data-testid=map] canvas').boundingBox();
  if (!box) throw new Error('map canvas not visible');
  return { x: box.x + p.x, y: box.y + p.y };
}

export async function clickAt(page: Page, lngLat: [number, number]): Promise<void> {
  const { x, y } = await screenOf(page, lngLat);
  await page.mouse.click(x, y);
}

/** Draw a polygon with real mouse events: a click per vertex, a double-click on the last. */
export async function drawPolygon(page: Page, vertices: Array<[number, number]>): Promise<void> {
  await page.click('[data-tool=polygon]');
  for (const v of vertices.slice(0, -1)) {
    await clickAt(page, v);
    await page.waitForTimeout(350); // separate clicks, not a double-click
  }
  const last = await screenOf(page, vertices[vertices.length - 1]!);
  await page.mouse.dblclick(last.x, last.y);
}

export async function drawLine(page: Page, vertices: Array<[number, number]>): Promise<void> {
  await page.click('[data-tool=line]');
  for (const v of vertices.slice(0, -1)) {
    await clickAt(page, v);
    await page.waitForTimeout(350);
  }
  const last = await screenOf(page, vertices[vertices.length - 1]!);
  await page.mouse.dblclick(last.x, last.y);
}

/** Annotation records of one document as the page's own Y.Doc holds them. */
export function annotationsOf(
  page: Page,
  scope: string,
): Promise<Record<string, { id: string; kind: string; label: string; geometry: { coordinates: unknown } }>> {
  return page.evaluate(
    (s) =>
      (window as unknown as PageHooks)
        .jointmap!.session.docs.find((d) => d.scope === s)!
        .doc.getMap('annotations')
        .toJSON() as never,
    scope,
  );
}

/** Feature ids the map's annotation source renders right now. */
export function renderedAnnotationIds(page: Page): Promise<string[]> {
  return page.evaluate(() => [
    ...new Set(
      (window as unknown as PageHooks)
        .jointmapMap!.querySourceFeatures('annotations')
        .map((f) => String(f.properties.fid)),
    ),
  ]);
}

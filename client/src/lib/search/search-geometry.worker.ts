/// <reference lib="webworker" />
import { generateArea, splitArea, type GeometryRequest, type GeometryResponse } from './search-geometry.ts';

/** Search geometry off the main thread: clipping and gridding a large area takes seconds. */
self.onmessage = (event: MessageEvent<GeometryRequest & { id: number }>) => {
  const { id, ...request } = event.data;
  let result: GeometryResponse;
  try {
    result =
      request.op === 'area'
        ? generateArea(request.input)
        : splitArea(request.area, request.split, request.jurisdictions);
  } catch (err) {
    result = { ok: false, error: { key: 'search.error.geometry', params: { message: String(err) } } };
  }
  self.postMessage({ id, result });
};

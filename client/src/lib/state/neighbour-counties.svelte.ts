import { backoffDelay, DEFAULT_BACKOFF, keepTrying, type Backoff } from './backoff.ts';

/**
 * The neighbouring counties drawn around an operation (`/api/basemap/context.geojson`), as state a
 * map layer follows. When they could not be fetched, what this device kept of them (or nothing) is
 * drawn meanwhile and they are asked for again, backing off, until they come or are refused for
 * good: a brief failure while a wall boots must not leave it without them for the days it stays up.
 */
export class NeighbourCounties {
  current: GeoJSON.FeatureCollection = $state.raw({ type: 'FeatureCollection', features: [] });

  constructor(initial: GeoJSON.FeatureCollection) {
    this.current = initial;
  }

  /**
   * Fetch them again after a first failure, backing off, until `fetch` succeeds (then `arrived`
   * keeps them on this device) or fails in a way trying again will not fix. Returns the function
   * that stops trying: call it when whoever draws them is gone, or the retry outlives the page.
   */
  retry(
    fetch: () => Promise<GeoJSON.FeatureCollection>,
    arrived: (counties: GeoJSON.FeatureCollection) => void,
    backoff: Backoff = DEFAULT_BACKOFF,
  ): () => void {
    let stop = (): void => undefined;
    const start = setTimeout(
      () => {
        stop = keepTrying(fetch, {
          done: (counties) => {
            this.current = counties;
            arrived(counties);
          },
          failed: () => undefined, // refused for good (e.g. signed out): what is drawn stays
        });
      },
      backoffDelay(0, backoff),
    );
    return () => {
      clearTimeout(start);
      stop();
    };
  }
}

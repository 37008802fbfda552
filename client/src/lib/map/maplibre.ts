import * as maplibregl from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';

// maplibre-gl 6 is ESM only; under Vite its worker is a separate asset of our own build.
maplibregl.setWorkerUrl(workerUrl);

export { maplibregl };

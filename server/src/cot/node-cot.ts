/**
 * `@tak-ps/node-cot`, typed for what the bridge uses. The package's `types` point at its
 * TypeScript sources, which do not compile under this project's strict settings
 * (`noUncheckedIndexedAccess`), so it is loaded from its built JavaScript and described here.
 * Loaded on demand: only a server with `COT_PORT` set pays for it (it compiles protobuf and
 * JSON schemas at import). The bundled production build leaves it to `node_modules`, where it
 * finds its own data files beside itself.
 */

/** `<event>` attributes as the library keeps them (xml-js compact form: strings). */
export interface CotEventAttributes {
  version?: string;
  uid: string;
  type: string;
  how?: string;
  time: string;
  start: string;
  stale: string;
}

export interface CotRaw {
  event: {
    _attributes: CotEventAttributes;
    point?: { _attributes?: Record<string, string | number | undefined> };
    detail?: Record<string, unknown>;
  };
}

/** One CoT event. */
export interface CotEvent {
  raw: CotRaw;
  to_xml(): string;
  /** A GeoJSON feature (a promise in newer versions of the library: await it). */
  to_geojson(): unknown;
  uid(uid?: string): string;
}

/** The GeoJSON input `CoT.from_geojson` accepts (the subset the bridge writes). */
export interface CotFeatureInput {
  id?: string;
  type: 'Feature';
  properties: {
    type?: string;
    how?: string;
    callsign?: string;
    time?: string;
    start?: string;
    stale?: string | number;
    remarks?: string;
    course?: number;
    speed?: number;
    center?: number[];
    'marker-color'?: string;
    'marker-opacity'?: number;
    stroke?: string;
    'stroke-opacity'?: number;
    'stroke-width'?: number;
    fill?: string;
    'fill-opacity'?: number;
    shape?: { ellipse: { major: number; minor: number; angle: number } };
    status?: { battery?: string };
  };
  geometry:
    | { type: 'Point'; coordinates: number[] }
    | { type: 'LineString'; coordinates: number[][] }
    | { type: 'Polygon'; coordinates: number[][][] };
}

export interface CotClass {
  new (xml: string | Buffer): CotEvent;
  ping(): CotEvent;
  from_geojson(feature: CotFeatureInput): CotEvent;
}

export interface NodeCot {
  CoT: CotClass;
  /** `t-x-d-d` with `__forcedelete`: TAK clients remove the item of that uid. */
  ForceDelete: new (uid: string) => CotEvent;
}

interface NodeCotModule {
  default: CotClass;
  ForceDelete: new (uid: string) => CotEvent;
}

/**
 * Kept in a variable so the type checker does not resolve the package's sources, and the production
 * build leaves it to node_modules: the library reads its own files (`proto/`, `package.json`)
 * next to its modules at load time, which a bundle would not have.
 */
const SPECIFIER = '@tak-ps/node-cot/dist/index.js';

/** The library (imported once by Node's module cache, however often this is called). */
export async function loadNodeCot(): Promise<NodeCot> {
  let mod: NodeCotModule;
  try {
    mod = (await import(SPECIFIER)) as NodeCotModule;
  } catch (err) {
    throw new Error(`COT_PORT is set but ${SPECIFIER} could not be loaded: ${(err as Error).message}`);
  }
  return { CoT: mod.default, ForceDelete: mod.ForceDelete };
}

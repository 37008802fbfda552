declare const lngLatBrand: unique symbol;
declare const metresBrand: unique symbol;

/** WGS-84 [longitude, latitude] in GeoJSON order. Not a screen point, not GCJ-02. */
export type LngLat = readonly [number, number] & { readonly [lngLatBrand]: true };
/** A distance in metres (never degrees). */
export type Metres = number & { readonly [metresBrand]: true };

/** Brand a WGS-84 pair after checking its range. */
export function lngLat(lng: number, lat: number): LngLat {
  if (!Number.isFinite(lng) || !Number.isFinite(lat) || lng < -180 || lng > 180 || lat < -90 || lat > 90) {
    throw new RangeError(`not a WGS-84 longitude/latitude: ${lng}, ${lat}`);
  }
  return [lng, lat] as unknown as LngLat;
}

export function metres(value: number): Metres {
  return value as Metres;
}

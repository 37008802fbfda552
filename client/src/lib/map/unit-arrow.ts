import type { Map as MapLibreMap } from 'maplibre-gl';

export const UNIT_ARROW = 'unit-arrow';

/**
 * A heading arrow drawn on a canvas and added as a map image (no sprite sheet, nothing fetched):
 * a small triangle above the centre of a square, so rotating the icon about its centre swings the
 * arrow around the unit marker. SDF, so the layer can colour it.
 */
export function addUnitArrow(map: MapLibreMap, pixelRatio = 2): void {
  if (map.hasImage(UNIT_ARROW)) return;
  const size = 48 * pixelRatio;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = size;
  const ctx = canvas.getContext('2d')!;
  const c = size / 2;
  const u = pixelRatio;
  ctx.fillStyle = '#000';
  ctx.beginPath();
  ctx.moveTo(c, c - 23 * u);
  ctx.lineTo(c - 7 * u, c - 13 * u);
  ctx.lineTo(c + 7 * u, c - 13 * u);
  ctx.closePath();
  ctx.fill();
  map.addImage(UNIT_ARROW, ctx.getImageData(0, 0, size, size), { pixelRatio, sdf: true });
}

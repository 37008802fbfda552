/** Web Mercator fitted into a box: the report's map is drawn as SVG, which prints sharp at any size. */
export interface Frame {
  width: number;
  height: number;
  /** [lng, lat] → SVG x, y. */
  project(p: readonly number[]): [number, number];
  /** Metres per SVG unit at the frame's centre. */
  metresPerUnit: number;
}

const R = 6_378_137;
const mercY = (lat: number) => Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));

/**
 * Fit `bbox` (west, south, east, north) into `width` units across with `pad` units of margin; the
 * height follows the box's shape (between `minHeight` and `maxHeight`, the box centred in it).
 */
export function fitFrame(
  bbox: readonly [number, number, number, number],
  width: number,
  pad = 24,
  minHeight = 240,
  maxHeight = 620,
): Frame {
  const [w, s, e, n] = bbox;
  const x0 = (w * Math.PI) / 180;
  const x1 = (e * Math.PI) / 180;
  const y0 = mercY(s);
  const y1 = mercY(n);
  // A point or a short line still gets an area about 3 km across, for context.
  const spanX = Math.max(x1 - x0, 4.7e-4);
  const spanY = Math.max(y1 - y0, 4.7e-4);
  const inner = width - 2 * pad;
  let scale = inner / spanX;
  let height = spanY * scale + 2 * pad;
  if (height > maxHeight) {
    scale = (maxHeight - 2 * pad) / spanY;
    height = maxHeight;
  }
  height = Math.max(height, minHeight);
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const lat0 = ((s + n) / 2) * (Math.PI / 180);
  return {
    width,
    height,
    project: (p) => [width / 2 + ((p[0]! * Math.PI) / 180 - cx) * scale, height / 2 - (mercY(p[1]!) - cy) * scale],
    metresPerUnit: (R * Math.cos(lat0)) / scale,
  };
}

/** SVG path data of rings or a line: `M x y L x y … [Z]`. */
export function pathOf(frame: Frame, lines: readonly (readonly number[])[][], close: boolean): string {
  return lines
    .map((line) => {
      const pts = line.map((p) =>
        frame
          .project(p)
          .map((v) => v.toFixed(1))
          .join(' '),
      );
      return pts.length ? `M${pts.join('L')}${close ? 'Z' : ''}` : '';
    })
    .join('');
}

/** A round length for a scale bar of about `targetUnits` SVG units: [metres, units]. */
export function scaleBar(frame: Frame, targetUnits = 120): [number, number] {
  const want = frame.metresPerUnit * targetUnits;
  const p = 10 ** Math.floor(Math.log10(want));
  const metres = [5, 2, 1].map((k) => k * p).find((m) => m <= want) ?? p;
  return [metres, metres / frame.metresPerUnit];
}

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';

const ID = 'virtual:map-font-faces';
const RESOLVED = '\0' + ID;

/**
 * `virtual:map-font-faces`: the MapLibre style `font-faces` entry for the bundled Noto Sans SC
 * (OFL), built from the @fontsource CSS so that each unicode-range subset is its own woff2 asset.
 * MapLibre then draws every label (CJK, Latin and digits) locally and downloads only the subsets
 * it needs, from our own server: no `glyphs` URL, no external request.
 */
export function mapFontFaces(weight = 500): Plugin {
  return {
    name: 'jointmap-map-font-faces',
    resolveId: (id) => (id === ID ? RESOLVED : null),
    load(id) {
      if (id !== RESOLVED) return null;
      const require = createRequire(import.meta.url);
      const pkg = dirname(require.resolve('@fontsource/noto-sans-sc/package.json'));
      const css = readFileSync(join(pkg, `${weight}.css`), 'utf8');
      const faces = [...css.matchAll(/url\(\.\/(files\/[^)]+\.woff2)\)[\s\S]*?unicode-range:\s*([^;]+);/g)];
      if (faces.length === 0) throw new Error('no @font-face found in @fontsource/noto-sans-sc');
      const imports = faces.map((m, i) => `import f${i} from ${JSON.stringify(join(pkg, m[1]!) + '?url')};`);
      const entries = faces.map(
        (m, i) => `{url: f${i}, 'unicode-range': ${JSON.stringify(m[2]!.split(',').map((s) => s.trim()))}}`,
      );
      return `${imports.join('\n')}\nexport const NOTO_SANS_SC_FACES = [${entries.join(',\n')}];\n`;
    },
  };
}

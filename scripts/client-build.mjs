/**
 * When the web client needs building: `client/dist/index.html` is missing or older than a client
 * or shared source. Node built-ins only, so `bootstrap.mjs` can use it before dependencies exist.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const CLIENT_DIST = join(root, 'client', 'dist');

/** The newest modification time of any file under `dir` (node_modules and dist skipped). */
export function newestMtime(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist') continue;
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Whether `pnpm build` has to run before the client can be served. */
export function clientBuildIsStale() {
  const built = join(CLIENT_DIST, 'index.html');
  return (
    !existsSync(built) ||
    statSync(built).mtimeMs < newestMtime(join(root, 'client')) ||
    statSync(built).mtimeMs < newestMtime(join(root, 'shared', 'src'))
  );
}

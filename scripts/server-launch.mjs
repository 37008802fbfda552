/**
 * How the production server is started: the Node flags and environment that every launcher uses
 * (`npm start`, the release's `start.sh` and `npm start`, the systemd unit of docs/deploy.md, and
 * the sync benchmarks), so the memory the figures report is the memory a site gets.
 *
 * - `--max-semi-space-size=8`: V8's young generation grows to 2 × 16 MiB by default once start-up
 *   has allocated enough, and keeps it until the process has been idle a while. Halves of 8 MiB
 *   collect as little as 16 did under the sync benchmarks' load; 4 MiB halves made the scavenger
 *   promote short-lived objects and quadrupled GC time (docs/performance.md, "Memory").
 * - `--no-memory-reducer`: V8's memory reducer (made for browser tabs) compacts the heap a few
 *   seconds after a full collection once it samples a low allocation rate; on a server that is
 *   while clients sync, often during the reconnections that follow a restart (it cost 4–17 ms of
 *   CPU a second in the sync fan-out's first half-minute). The server gives memory back itself,
 *   only when its event loop has been quiet for 10 s (`server/src/idle-memory.ts`).
 * - `MALLOC_MMAP_THRESHOLD_=131072`: glibc raises its mmap threshold to the size of the largest
 *   block freed, so after the first scrypt password hash (16 MiB, on a libuv thread) every later
 *   hash stays in a thread arena that is never trimmed: 16–30 MiB per thread. A fixed threshold
 *   keeps large blocks in mmap and returns them on free. Ignored by other C libraries.
 */
export const SERVER_NODE_ARGS = ['--max-semi-space-size=8', '--no-memory-reducer'];
export const SERVER_ENV = { MALLOC_MMAP_THRESHOLD_: '131072' };

/** The shell line of the release's start.sh (an environment setting of the site wins). */
export const START_LINE = `exec env MALLOC_MMAP_THRESHOLD_="\${MALLOC_MMAP_THRESHOLD_:-${SERVER_ENV.MALLOC_MMAP_THRESHOLD_}}" node ${SERVER_NODE_ARGS.join(' ')} server/dist/server.mjs "$@"`;

/** The environment for a server process: ours under the caller's (a site's setting wins). */
export const serverEnv = (env = process.env) => ({ ...SERVER_ENV, ...env });

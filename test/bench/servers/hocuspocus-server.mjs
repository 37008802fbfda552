/**
 * Hocuspocus 3.4 for the sync benchmarks: in-memory (no extensions), quiet, on `PORT` (0 = any
 * free port). Prints `listening on <port>` once ready. Plain JavaScript, run by `node` without a
 * loader, as it would be deployed.
 */
import { Server } from '@hocuspocus/server';

const server = new Server({ port: Number(process.env.PORT ?? 0), address: '127.0.0.1', quiet: true });
await server.listen();
console.log(`listening on ${server.address.port}`);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));

/**
 * The reference server for the sync benchmarks: `@y/websocket-server` 0.1.1 exactly as its own
 * `server.js` wires it (in-memory, no persistence, no auth), on `PORT` (0 = any free port).
 * Prints `listening on <port>` once ready. Plain JavaScript, run by `node` without a loader,
 * as it would be deployed.
 */
import { WebSocketServer } from 'ws';
import { setupWSConnection } from '@y/websocket-server/utils';
import { serveWebSockets } from './serve-ws.mjs';

const wss = new WebSocketServer({ noServer: true });
wss.on('connection', setupWSConnection);

serveWebSockets(wss);

/**
 * The plain http server the `ws`-based bench servers run on: WebSocket upgrades go to `wss`, on
 * `PORT` (0 = any free port) at 127.0.0.1; prints `listening on <port>` once ready (the bench
 * waits for that line) and exits on SIGINT or SIGTERM.
 */
import http from 'node:http';

/** @param {import('ws').WebSocketServer} wss */
export function serveWebSockets(wss) {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('okay');
  });
  server.on('upgrade', (request, socket, head) => {
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    const addr = server.address();
    console.log(`listening on ${typeof addr === 'object' && addr ? addr.port : '?'}`);
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
}

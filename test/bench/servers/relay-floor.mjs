/**
 * A floor for the fan-out, not a server anyone would run: it keeps no document and relays nothing
 * but the edits. A sync step 1 is answered with an empty step 2 (the fan-out's clients all join
 * an empty document), every update or step 2 is forwarded byte for byte to the room's other
 * connections, and presence is dropped. What a client of it measures is the harness's own cost of
 * receiving and applying the edits: no server that relays the edits (and presence) can be faster.
 * Plain JavaScript on `ws`, as the reference server; prints `listening on <port>`.
 */
import { WebSocketServer } from 'ws';
import { serveWebSockets } from './serve-ws.mjs';

/** `[messageAwareness, varUint8Array([0 states])]`: stock clients reconnect after 30 s of silence. */
const KEEPALIVE = Buffer.from([1, 1, 0]);
/** `[messageSync, syncStep2, varUint8Array(empty update [0, 0])]`. */
const EMPTY_STEP2 = Buffer.from([0, 1, 2, 0, 0]);
const rooms = new Map();

const wss = new WebSocketServer({ noServer: true });
wss.on('connection', (ws, request) => {
  const name = (request.url ?? '/').slice(1).split('?')[0];
  let room = rooms.get(name);
  if (!room) rooms.set(name, (room = new Set()));
  room.add(ws);
  ws.on('message', (data) => {
    if (data[0] !== 0) return; // presence and anything else: dropped
    if (data[1] === 0) return ws.send(EMPTY_STEP2);
    for (const other of room) if (other !== ws) other.send(data);
  });
  const keepalive = setInterval(() => ws.send(KEEPALIVE), 10_000);
  ws.on('close', () => {
    clearInterval(keepalive);
    room.delete(ws);
  });
});

serveWebSockets(wss);

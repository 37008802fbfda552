import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** The most of a refused upload read and dropped before the answer goes out (bytes, ms). */
const LINGER_BYTES = 8 * 1024 * 1024;
const LINGER_MS = 2_000;

/**
 * A body refused from its `Content-Length` alone (413) is answered before it is read, and the
 * connection is then closed (Fastify: the client may send more). Closing a socket with the rest of
 * the upload unread makes the kernel reset the connection, and a client still sending can lose the
 * 413 and see only a reset. So before a 413 goes out, the rest of the body is read and dropped, up
 * to {@link LINGER_BYTES} or {@link LINGER_MS} (as web servers linger before closing); beyond that
 * the answer goes out anyway.
 */
export function registerRefusedUploadDrain(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode === 413 && !request.raw.complete) await drain(request.raw);
    return payload;
  });
}

function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    let read = 0;
    const done = () => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', done);
      req.off('close', done);
      req.off('error', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      read += chunk.length;
      if (read > LINGER_BYTES) done();
    };
    const timer = setTimeout(done, LINGER_MS);
    req.on('data', onData);
    req.once('end', done);
    req.once('close', done);
    req.once('error', done);
    req.resume();
  });
}

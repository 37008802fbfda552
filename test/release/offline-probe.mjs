/**
 * The probe of test/release/offline-release.test.ts: run with plain Node inside the network
 * namespace of a server started from an unpacked release (`nsenter -n`), from a directory outside
 * the repository, with no dependency. It asserts nothing: it prints one JSON object of what it saw
 * on stdout and the test judges it.
 *
 *   node offline-probe.mjs <json: {port, cotPort, password, hostPort}>
 */
import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';

const { port, cotPort, password, hostPort } = JSON.parse(process.argv[2]);
const base = `http://127.0.0.1:${port}`;

/** Whether a TCP connection to host:port opens within timeoutMs (and the error when it does not). */
function tcp(host, tcpPort, timeoutMs = 3000) {
  return new Promise((resolve) => {
    const socket = connect({ host, port: tcpPort });
    const done = (result) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ connected: false, error: 'timeout' }), timeoutMs);
    socket.once('connect', () => done({ connected: true }));
    socket.once('error', (err) => done({ connected: false, error: err.code ?? err.message }));
  });
}

async function get(path, token) {
  const res = await fetch(`${base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

async function waitHealthy(timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  let last = { status: 0, body: 'never answered' };
  while (Date.now() < until) {
    try {
      const res = await fetch(`${base}/api/health`);
      last = { status: res.status, body: await res.text() };
      if (res.ok) return last;
    } catch (err) {
      last = { status: 0, body: String(err.cause?.code ?? err.message) };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return last;
}

const out = {};
try {
  out.health = await waitHealthy();
  const page = await get('/');
  const script = /<script[^>]*\bsrc="([^"]+)"/.exec(page.body)?.[1] ?? null;
  out.index = { status: page.status, type: page.type, html: /<html[\s>]/i.test(page.body), script };
  if (script) {
    const js = await get(script);
    out.script = { status: js.status, type: js.type, bytes: js.body.length };
  }
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'commander', password }),
  });
  const session = await login.json().catch(() => ({}));
  out.login = { status: login.status, role: session.user?.role ?? null };
  const token = session.token;
  const op = await get('/api/operations/demo-tricounty', token);
  const view = op.status === 200 ? JSON.parse(op.body) : {};
  out.operation = { status: op.status, id: view.id ?? null, stations: view.stations?.length ?? 0 };
  // The export worker (with the KML writer) is a chunk the server loads on the first export.
  const kml = await get('/api/operations/demo-tricounty/export?what=annotations&format=kml', token);
  out.kml = { status: kml.status, type: kml.type, kml: /<kml[\s>]/.test(kml.body), body: kml.body.slice(0, 300) };
  out.cot = await tcp('127.0.0.1', cotPort);
  // Nothing outside the namespace: the host's loopback (a listener of the test, PostgreSQL's
  // port) and the world are out of reach, and names do not resolve.
  out.outside = {
    hostListener: await tcp('127.0.0.1', hostPort),
    postgres: await tcp('127.0.0.1', 5432),
    internet: await tcp('1.1.1.1', 443),
    dns: await lookup('registry.npmjs.org').then(
      (a) => ({ resolved: true, address: a.address }),
      (err) => ({ resolved: false, error: err.code ?? err.message }),
    ),
  };
} catch (err) {
  out.error = String(err?.stack ?? err);
}
process.stdout.write(JSON.stringify(out));

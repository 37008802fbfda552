import { TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';

/**
 * The uids a TAK client's certificate names: its subject CN and its subjectAltName entries of
 * type DNS or URI. Null when the connection presented no certificate (plain TCP, or TLS without
 * `COT_TLS_CA`): then the uid alone identifies the device, as on the OsmAnd route.
 */
export function certificateUids(socket: Socket): ReadonlySet<string> | null {
  if (!(socket instanceof TLSSocket) || !socket.authorized) return null;
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return null;
  const names = new Set<string>();
  const cn = cert.subject?.CN;
  // Several CN attributes come as an array; each is a name.
  for (const name of Array.isArray(cn) ? cn : cn ? [cn] : []) names.add(name);
  for (const name of altNames(cert.subjectaltname ?? '')) names.add(name);
  return names;
}

/**
 * The DNS and URI values of a subjectAltName as Node prints it (`DNS:a, IP Address:b, URI:c`);
 * Node quotes (as JSON) a value that holds a comma or a quote.
 */
export function altNames(text: string): string[] {
  const out: string[] = [];
  const re = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g;
  for (const m of text.matchAll(re)) {
    const raw = m[2]!;
    if (m[1] === 'DNS' || m[1] === 'URI') out.push(raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
  }
  return out;
}

import * as decoding from 'lib0/decoding';
import { WebSocket } from 'ws';

export interface RawResult {
  closeCode: number;
  /** Error codes of the auth (permission denied) messages received. */
  codes: string[];
}

/**
 * Open a raw WebSocket, send `frames` once open, and resolve when the server closes it (or after
 * `waitMs`, closing it ourselves with code 0).
 */
export function rawSync(url: string, frames: Array<Uint8Array | string> = [], waitMs = 3000): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const codes: string[] = [];
    const timer = setTimeout(() => {
      ws.terminate();
      resolve({ closeCode: 0, codes });
    }, waitMs);
    ws.on('open', () => {
      for (const f of frames) ws.send(f, { binary: typeof f !== 'string' });
    });
    ws.on('message', (data: Buffer) => {
      const d = decoding.createDecoder(new Uint8Array(data));
      if (decoding.readVarUint(d) === 2 && decoding.readVarUint(d) === 0) {
        codes.push((JSON.parse(decoding.readVarString(d)) as { code: string }).code);
      }
    });
    ws.on('close', (code) => {
      clearTimeout(timer);
      resolve({ closeCode: code, codes });
    });
    ws.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

// Request bodies as the SDKs send them: bounded, gunzipped when the client compressed them.
import type { IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';

const MAX_BODY = 16 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      try {
        resolve(/gzip/i.test(req.headers['content-encoding'] ?? '') ? gunzipSync(raw) : raw);
      } catch (err) {
        reject(err as Error);
      }
    });
    req.on('error', reject);
  });
}

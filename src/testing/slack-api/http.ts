// The HTTP edge of the local Slack stand-in: reading and parsing request bodies the way Slack
// does (form fields holding JSON, JSON bodies, query parameters) and writing JSON answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Answer, Args } from './types.ts';

const JSON_ARGS = new Set(['blocks', 'attachments', 'metadata', 'users', 'view']);
const BODY_MAX = 5 * 1024 * 1024;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
  ) {
    super(error);
  }
}

export function send(res: ServerResponse, a: Answer): void {
  const body = JSON.stringify(a.body);
  res.writeHead(a.status ?? 200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...a.headers,
  });
  res.end(body);
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > BODY_MAX) {
        reject(new HttpError(413, 'request_too_large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function parseJsonObject(s: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch {
    throw new HttpError(400, 'invalid_json');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HttpError(400, 'invalid_json');
  return v as Record<string, unknown>;
}

/** Form-encoded (what the WebClient sends, JSON-valued fields as strings), JSON, or query parameters. */
export function parseArgs(raw: string, contentType: string | undefined, query: URLSearchParams): Args {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const args: Args = {};
  for (const [k, v] of query) args[k] = v;
  if (!raw) return args;
  if (type === 'application/json') return { ...args, ...parseJsonObject(raw) };
  if (type === 'application/x-www-form-urlencoded' || type === '') {
    for (const [k, v] of new URLSearchParams(raw)) {
      if (JSON_ARGS.has(k)) {
        try {
          args[k] = JSON.parse(v);
        } catch {
          args[k] = v; // left as a string: the method answers invalid_blocks_format
        }
      } else args[k] = v;
    }
    return args;
  }
  throw new HttpError(400, 'invalid_form_data');
}

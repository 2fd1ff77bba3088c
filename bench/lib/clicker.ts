/**
 * Fires signed Slack requests all at once and prints each one's response time (the ack), as JSON.
 * Runs in its own process so that nothing else in the benchmark (the local Slack API answering the
 * bot's own calls) delays reading the answers. Bodies and signatures are computed before the burst,
 * and connections opened before it (as Slack's own pool would have them), so what is timed is the
 * server's answer, not the client's work.
 *
 *   node bin/run-ts.js bench/lib/clicker.ts REQUESTS.json   # {url, secret, forms: [...]}
 */
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { slackSignature } from '../../src/testing/signed-request.ts';

interface Input {
  url: string;
  secret: string;
  forms: Array<Record<string, string>>;
}

const input = JSON.parse(await readFile(process.argv[2]!, 'utf8')) as Input;
const url = new URL(input.url);
const agent = new Agent({ keepAlive: true, maxSockets: input.forms.length });

function send(path: string, method: string, body: string, headers: Record<string, string>) {
  return new Promise<{ status: number; ms: number }>((resolve, reject) => {
    const start = performance.now();
    const req = request({ agent, hostname: url.hostname, port: url.port, path, method, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - start }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

// Open one connection per concurrent click.
await Promise.all(input.forms.map(() => send('/healthz', 'GET', '', {})));
const timestamp = Math.floor(Date.now() / 1000);
const prepared = input.forms.map((form) => {
  const body = new URLSearchParams(form).toString();
  return {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(Buffer.byteLength(body)),
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': slackSignature(input.secret, timestamp, body),
    },
  };
});
const sentAt = Date.now();
const results = await Promise.all(prepared.map((p) => send(url.pathname, 'POST', p.body, p.headers)));
agent.destroy();
console.log(JSON.stringify({ sentAt, results }));

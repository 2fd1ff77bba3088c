import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  startLocalSlackApi,
  startLocalSocketMode,
  type LocalSlackApi,
  type LocalSocketMode,
} from '../../src/testing/slack-api/index.ts';
import { DEMO_WORLD, shareguard } from '../cli/spawn.ts';

/**
 * `shareguard serve` as a process in Socket Mode with no HEALTH_PORT (issue 22 items 4 and 5): the health
 * port is on by default (PORT), /metrics answers there in Prometheus text format, a failed target is
 * one log line with its account, region and error, and no log line repeats a key.
 */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** The top-level keys of a JSON object's text, duplicates included (JSON.parse keeps only the last). */
function topLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      let j = i + 1;
      while (line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(line.slice(i, j + 1)) as string);
      expectKey = false;
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = c === '{' && depth === 1;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  return keys;
}

let slack: LocalSlackApi | undefined;
let socket: LocalSocketMode | undefined;
afterEach(async () => {
  await slack?.close();
  await socket?.close();
});

describe('serve in Socket Mode: health port by default, /metrics, failed targets in the log', () => {
  it('answers /healthz and /metrics on PORT without HEALTH_PORT, after a scan with a failed account', async () => {
    socket = await startLocalSocketMode();
    slack = await startLocalSlackApi({ methods: socket.methods });
    const port = await freePort();
    const serve = shareguard(
      ['serve', '--world', DEMO_WORLD, '--trust', '999999999999', '--channel', 'C0SEC'].concat([
        '--approvers',
        'U0ALICE',
        '--store',
        'memory',
        '--no-schedule',
      ]),
      {
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_APP_TOKEN: 'xapp-1',
        SLACK_SIGNING_SECRET: '',
        SLACK_API_URL: slack.url,
        PORT: String(port),
        HEALTH_PORT: '',
      },
    );
    try {
      const ready = JSON.parse(await serve.waitFor(/"shareguard is ready"/)) as { health?: string };
      expect(ready.health).toBe(`http://127.0.0.1:${port}/healthz`);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ ok: true, mode: 'socket', socket: 'connected' });

      await socket.send('slash_commands', {
        team_id: 'T0LOCAL',
        channel_id: 'C0SEC',
        user_id: 'U0ALICE',
        command: '/shared-scan',
        text: '',
        api_app_id: 'A0SHAREGUARD',
        response_url: slack.responseUrl(undefined, { channel: 'C0SEC', user: 'U0ALICE' }),
        trigger_id: 't.1',
      });
      await serve.waitFor(/"scan recorded"/);

      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      const value = (series: string) => {
        const line = text.split('\n').find((l) => l.startsWith(`${series} `));
        return line === undefined ? undefined : Number(line.slice(series.length + 1));
      };
      expect(value('shareguard_scans_total{outcome="partial"}')).toBe(1);
      expect(value('shareguard_scan_targets_failed{code="AccessDenied"}')).toBe(1);
      expect(value('shareguard_aws_errors_total{service="sts",code="AccessDenied"}')).toBeGreaterThanOrEqual(
        1,
      );
      expect(value('shareguard_outbox_depth')).toBe(0);
      expect(text).toMatch(/^# TYPE shareguard_scan_duration_seconds histogram$/m);
      expect(text).toMatch(/^# TYPE shareguard_slack_retries_total counter$/m);
      expect(text).toMatch(/^# TYPE shareguard_decisions_total counter$/m);
      // The demo organization's 8 untrusted shares, open, by risk.
      const open = [...text.matchAll(/^shareguard_findings\{risk="(\w+)",state="open"\} (\d+)$/gm)];
      expect(open.map((m) => m[1]).sort()).toEqual(['critical', 'high', 'low', 'medium', 'unranked']);
      expect(open.reduce((n, m) => n + Number(m[2]), 0)).toBe(8);

      // One line per failed target: account, region, error.
      const lines = serve
        .stderr()
        .split('\n')
        .filter((l) => l.startsWith('{'));
      const failed = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.msg === 'target failed');
      expect(failed).toEqual([
        expect.objectContaining({
          accountId: '555555555555',
          accountName: 'legacy',
          region: '*',
          code: 'AccessDenied',
          error: expect.stringMatching(/^AccessDenied: .*sts:AssumeRole/),
        }),
      ]);
      // No line repeats a key (the channel check logged `name` twice: pino's and the channel's).
      expect(lines.some((l) => l.includes('posting to'))).toBe(true);
      for (const line of lines) {
        const keys = topLevelKeys(line);
        expect(new Set(keys).size, line).toBe(keys.length);
      }
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  });

  it('HEALTH_PORT=off: no health listener in Socket Mode; a bad HEALTH_PORT is a setup error', async () => {
    const bad = await shareguard(['serve', '--world', DEMO_WORLD, '--store', 'memory'], {
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_APP_TOKEN: 'xapp-1',
      HEALTH_PORT: 'of',
    }).exited;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('HEALTH_PORT "of" is not a whole number from 0 to 65535 (or "off")');

    socket = await startLocalSocketMode();
    slack = await startLocalSlackApi({ methods: socket.methods });
    const port = await freePort();
    const serve = shareguard(
      ['serve', '--world', DEMO_WORLD, '--channel', 'C0SEC', '--approvers', 'U0ALICE'].concat([
        '--store',
        'memory',
        '--no-schedule',
      ]),
      {
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_APP_TOKEN: 'xapp-1',
        SLACK_SIGNING_SECRET: '',
        SLACK_API_URL: slack.url,
        PORT: String(port),
        HEALTH_PORT: 'off',
      },
    );
    try {
      const ready = JSON.parse(await serve.waitFor(/"shareguard is ready"/)) as { health?: string };
      expect(ready.health).toBeUndefined();
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  });
});

/**
 * Issue 21 hardening, against the real `serve` child process: transient Slack failures at start are
 * retried (only a refused token exits 2), URL credentials never reach stderr, and a signed request dated
 * more than 5 minutes in the future is refused like one from the past.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalSlackApi, type LocalSlackApi } from '../../src/testing/slack-api/index.ts';
import { sendSigned, slackSignature, slashCommandForm } from '../../src/testing/signed-request.ts';
import { APPROVER, CHANNEL, httpEnv, SIGNING_SECRET, spawnServe, TEAM } from '../helpers/serve-cli.ts';
import { STACK } from './spawn.ts';

let slack: LocalSlackApi;
beforeAll(async () => {
  slack = await startLocalSlackApi({ token: 'xoxb-good' });
});
afterAll(async () => {
  await slack.close();
});

/** Serve on the demo organization and the memory store, in HTTP mode against the stand-in. */
const serve = (over: NodeJS.ProcessEnv = {}) => spawnServe({ env: httpEnv(slack.url, over) });

describe('serve start: transient Slack failures are retried, refusals are not (issue 21 item 3)', () => {
  it('internal_error, then 503s at auth.test: serve retries and becomes ready', async () => {
    const before = slack.callsOf('auth.test').length;
    slack.failNext('auth.test', 'internal_error');
    // The WebClient retries a 5xx itself (twice); the third failure reaches serve's own retry.
    for (let i = 0; i < 3; i++) slack.failNext('auth.test', 'service_unavailable', { status: 503 });
    const sg = serve();
    // Before the fix: exit 2 at the first internal_error ("SLACK_BOT_TOKEN was refused").
    await sg.ready();
    expect(slack.callsOf('auth.test').length - before).toBeGreaterThanOrEqual(5);
    expect(sg.stderr()).toMatch(/Slack failed at start; retrying/);
    expect(sg.stderr()).not.toMatch(STACK);
  }, 30_000);

  it('a refused token still exits 2 at once, without retrying', async () => {
    const before = slack.callsOf('auth.test').length;
    const r = await serve({ SLACK_BOT_TOKEN: 'xoxb-wrong' }).exited;
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('SLACK_BOT_TOKEN is not a valid token');
    expect(slack.callsOf('auth.test').length - before).toBe(1);
  }, 30_000);

  it('Slack unreachable for longer than SLACK_START_RETRY_MS: exit 2 saying how long it retried', async () => {
    const r = await serve({ SLACK_API_URL: 'http://127.0.0.1:1', SLACK_START_RETRY_MS: '2500' }).exited;
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /shareguard serve: cannot start: Slack is unreachable at http:\/\/127\.0\.0\.1:1 \(auth\.test: [^)]+; retried for \d+ s\)/,
    );
  }, 30_000);
});

describe('URL credentials never reach stderr (D16)', () => {
  it('a proxy password in SLACK_API_URL is not printed in the startup error', async () => {
    const r = await serve({ SLACK_API_URL: 'http://proxyuser:Pr0xyPa55@127.0.0.1:1/api/' }).exited;
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).not.toContain('Pr0xyPa55'); // before the fix: printed in full
    expect(r.stderr).toContain(
      'shareguard serve: cannot start: SLACK_API_URL "http://proxyuser:***@127.0.0.1:1/api/" has credentials in it',
    );
  }, 30_000);

  it('nor when SLACK_API_URL is not even a URL', async () => {
    const r = await serve({ SLACK_API_URL: 'http://u:Pr0xyPa55@[::1' }).exited;
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).not.toContain('Pr0xyPa55');
    expect(r.stderr).toContain('SLACK_API_URL "http://u:***@[::1" is not a URL');
  }, 30_000);
});

describe('signed requests dated more than 5 minutes away are refused, either way (D18)', () => {
  it('10 minutes in the future: 401 and nothing posted; a current one is answered', async () => {
    const sg = serve();
    const events = `${await sg.ready()}/slack/events`;
    const form = slashCommandForm({
      text: 'help',
      userId: APPROVER,
      channelId: CHANNEL,
      teamId: TEAM,
      responseUrl: slack.responseUrl(),
    });
    const body = new URLSearchParams(form).toString();
    for (const skew of [600, 301]) {
      const future = Math.floor(Date.now() / 1000) + skew;
      const res = await sendSigned(events, SIGNING_SECRET, form, {
        timestamp: future,
        signature: slackSignature(SIGNING_SECRET, future, body),
      });
      expect(res.status, `${skew} s ahead`).toBe(401); // before the fix: 200 and the help text
      expect(res.body).not.toMatch(/shared-scan/);
    }
    const now = await sendSigned(events, SIGNING_SECRET, form);
    expect(now.status).toBe(200);
  }, 30_000);
});

describe('/healthz reports Slack as it is (issue 21 item 3)', () => {
  it('Slack’s Web API failing: 200 but "degraded", naming Slack; the store ok', async () => {
    const sg = serve();
    try {
      const url = await sg.ready();
      slack.failRandomly({ rate: 1, seed: 1, errors: [{ error: 'internal_error' }], methods: ['auth.test'] });
      const res = await fetch(`${url}/healthz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        ok: true,
        status: 'degraded',
        store: 'ok',
        slack: 'unreachable', // before: not reported at all
      });
    } finally {
      slack.failRandomly(null);
    }
  }, 30_000);
});

import { afterEach, describe, expect, it } from 'vitest';
import { findingId } from '../../src/domain/finding.ts';
import { countFindings } from '../../src/metrics.ts';
import { ALICE, startE2E, type E2E } from '../helpers/e2e.ts';
import { account, emptyWorld, image, ORG, type World } from '../helpers/world.ts';

const A = '111111111111';
const EVIL = '444444444444';
const R = 'us-east-1';
const amiId = (n: number) => findingId('ami', A, R, `ami-${n.toString(16).padStart(17, '0')}`);

function world(): World {
  const w = emptyWorld([account(A, [R], { organization: ORG })]);
  w.images.push(image(1, R, EVIL, [{ userId: A }]), image(2, R, EVIL, [{ userId: A }]));
  return w;
}

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.stop();
  e2e = undefined;
});

/** The value of one series in Prometheus text, or undefined when absent. */
const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('/metrics in HTTP mode (issue 22 item 5): on PORT next to /slack/events', () => {
  it('counts decisions by action and outcome, findings by state and Slack retries, from what the bot did', async () => {
    e2e = await startE2E(world());
    // Slack answers one post 429 and one update 500: the WebClient retries both.
    e2e.slack.failNext('chat.postMessage', 'ratelimited', { status: 429, retryAfter: 1 });
    e2e.slack.failNext('chat.update', 'internal_error', { status: 500 });
    await e2e.command('');
    await e2e.click('trust', amiId(1), ALICE);
    await e2e.server.idle();
    const res = await fetch(`${e2e.server.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(value(text, 'shareguard_decisions_total{action="trust",outcome="done"}')).toBe(1);
    expect(value(text, 'shareguard_scans_total{outcome="ok"}')).toBe(1);
    expect(value(text, 'shareguard_slack_retries_total{reason="ratelimited"}')).toBe(1);
    expect(value(text, 'shareguard_slack_retries_total{reason="http"}')).toBe(1);
    expect(value(text, 'shareguard_slack_retries_total{reason="network"}')).toBeUndefined();
    // Trusting the owner closes both of its findings.
    const byState = (state: string) =>
      [
        ...text.matchAll(new RegExp(`^shareguard_findings\\{risk="\\w+",state="${state}"\\} (\\d+)$`, 'gm')),
      ].reduce((n, m) => n + Number(m[1]), 0);
    expect(byState('trusted')).toBe(2);
    expect(byState('open')).toBe(0);
  });

  it('lists every risk × state pair, zeros included (a count that drops to 0 shows 0, not a stale value)', () => {
    const counts = countFindings([]);
    expect(counts.size).toBe(5 * 10);
    expect([...counts.values()].every((n) => n === 0)).toBe(true);
  });
});

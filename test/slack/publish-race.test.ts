/**
 * D7 (issue 21): a decision taken while a scan is posting (from App Home, another replica) must not be
 * overwritten in Slack by the scan's older picture. Real boundaries: the publisher over HTTP to the
 * local Slack API, dynalite for the store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebClient } from '@slack/web-api';
import { pino } from 'pino';
import { Publisher } from '../../src/slack/publisher.ts';
import { startLocalSlackApi, type LocalSlackApi } from '../../src/testing/slack-api/index.ts';
import type { Store } from '../../src/store/store.ts';
import { makeFinding, memoryStore } from '../store/fixtures.ts';

let api: LocalSlackApi | undefined;
let store: Store | undefined;
afterEach(async () => {
  await api?.close();
  await store?.close();
  api = store = undefined;
});

describe('a message is rendered from the latest record (D7)', () => {
  it('a finding decided while its post was being sent is shown decided, not with live buttons', async () => {
    api = await startLocalSlackApi();
    store = await memoryStore(`race-${Date.now()}`);
    const now = new Date().toISOString();
    const f = makeFinding(1);
    await store.createFinding({ finding: f, state: 'open', firstSeenAt: now, lastSeenAt: now, version: 0 });
    const planned = await store.listFindings({ states: ['open'] });
    const client = new WebClient('xoxb-t', { slackApiUrl: api.apiUrl, retryConfig: { retries: 0 } });
    const pub = new Publisher(client, store, 'C1', pino({ level: 'silent' }));
    // The scan planned the post from `planned`; the decision lands before Slack has the message.
    const moved = await store.transitionFinding(f.id, ['open'], {
      state: 'removing',
      decision: {
        decisionId: 'd-1',
        action: 'remove',
        by: { userId: 'U0ALICE' },
        at: now,
        outcome: 'pending',
      },
    });
    expect(moved.ok).toBe(true);

    const r = await pub.postFindings(planned, 20);

    expect(r).toMatchObject({ posted: 1, failed: 0 });
    const ref = (await store.getFinding(f.id))!.message!;
    const shown = JSON.stringify(api.message(ref.channel, ref.ts)?.blocks ?? []);
    expect(shown).not.toContain('shareguard.remove');
    expect(shown).toContain('Removing');
  });
});

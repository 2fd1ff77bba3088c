import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { App, LogLevel } from '@slack/bolt';
import { startLocalSlackApi, type LocalSlackApi } from '../../../src/testing/slack-api/index.ts';
import { TRIGGER_TTL_MS, viewsStandIn } from '../../../src/testing/slack-api/views.ts';
import {
  decodeMetadata,
  parseReasonSubmission,
  REASON_BLOCK,
  REASON_CALLBACK,
  EXPIRY_BLOCK,
  reasonModal,
} from '../../../src/slack/messages/modals.ts';
import { buttonClickForm, sendSigned, viewSubmissionForm } from '../../../src/testing/signed-request.ts';
import { finding } from '../messages/fixtures.ts';

const SECRET = 'views-secret';
let api: LocalSlackApi | undefined;
let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  await api?.close();
  app = undefined;
  api = undefined;
});

const f = finding();
const modal = (over: Record<string, unknown> = {}) => ({
  ...reasonModal({
    action: 'trust',
    finding: f,
    metadata: { v: 1, action: 'trust', findingId: f.id },
    requireReason: true,
  }),
  ...over,
});

describe('views in the local Slack stand-in', () => {
  it('opens a modal only with a fresh, unused trigger_id, and validates it like Slack', () => {
    let t = 1_000_000;
    const views = viewsStandIn({ teamId: 'T0', appId: 'A0', now: () => t });
    const open = views.methods['views.open']!;
    expect(open({ trigger_id: 'made-up', view: modal() }).body).toMatchObject({
      error: 'invalid_trigger_id',
    });

    const trigger = views.issueTrigger('U0ALICE');
    const bad = open({
      trigger_id: trigger,
      view: modal({ title: { type: 'plain_text', text: 'x'.repeat(25) } }),
    });
    expect(bad.body).toMatchObject({ ok: false, error: 'invalid_arguments' });
    expect(JSON.stringify(bad.body)).toMatch(/json-pointer:\/view\/title\/text/);
    // A refused view does not use the trigger up.
    const opened = open({ trigger_id: trigger, view: JSON.stringify(modal()) });
    expect(opened.body).toMatchObject({
      ok: true,
      view: { id: expect.stringMatching(/^V/), callback_id: REASON_CALLBACK },
    });
    expect(open({ trigger_id: trigger, view: modal() }).body).toMatchObject({
      error: 'exchanged_trigger_id',
    });

    const late = views.issueTrigger();
    t += TRIGGER_TTL_MS + 1;
    expect(open({ trigger_id: late, view: modal() }).body).toMatchObject({ error: 'expired_trigger_id' });

    const id = (opened.body['view'] as { id: string; hash: string }).id;
    const hash = (opened.body['view'] as { id: string; hash: string }).hash;
    const update = views.methods['views.update']!;
    expect(update({ view_id: id, hash: 'stale', view: modal() }).body).toMatchObject({
      error: 'hash_conflict',
    });
    expect(
      update({ view_id: id, hash, view: modal({ title: { type: 'plain_text', text: 'Done' }, blocks: [] }) })
        .body,
    ).toMatchObject({
      ok: true,
    });
    expect(update({ view_id: 'V404', view: modal() }).body).toMatchObject({ error: 'not_found' });
    expect(views.view(id)!.updates).toBe(1);

    const publish = views.methods['views.publish']!;
    const tooBig = { type: 'home', blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })) };
    expect(publish({ user_id: 'U0ALICE', view: tooBig }).body).toMatchObject({ error: 'invalid_arguments' });
    expect(publish({ user_id: 'U0ALICE', view: modal() }).body).toMatchObject({ error: 'invalid_arguments' });
    expect(publish({ user_id: 'U0ALICE', view: { type: 'home', blocks: [] } }).body).toMatchObject({
      ok: true,
    });
    expect(views.home('U0ALICE')).toBeDefined();
  });

  it('a click opens the reason modal through Bolt; a submission comes back signed, with errors or accepted', async () => {
    api = await startLocalSlackApi();
    const submissions: Array<{ user: string; reason?: string; expiresInDays?: number; findingId: string }> =
      [];
    app = new App({
      token: 'xoxb-views',
      signingSecret: SECRET,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: api.apiUrl, retryConfig: { retries: 0 } },
    });
    app.action('shareguard.trust', async ({ ack, body, client }) => {
      await ack();
      const b = body as { trigger_id: string; actions: Array<{ value: string }> };
      await client.views.open({
        trigger_id: b.trigger_id,
        view: reasonModal({
          action: 'trust',
          finding: f,
          metadata: { v: 1, action: 'trust', findingId: b.actions[0]!.value },
          requireReason: true,
        }),
      });
    });
    app.view(REASON_CALLBACK, async ({ ack, body, view }) => {
      const meta = decodeMetadata(view.private_metadata);
      const parsed = parseReasonSubmission(view.state.values, 'trust', true);
      if (!meta.ok || !parsed.ok) {
        await ack({
          response_action: 'errors',
          errors: parsed.ok ? { [REASON_BLOCK]: 'bad' } : parsed.errors,
        });
        return;
      }
      const { ok: _ok, ...decided } = parsed;
      submissions.push({ user: body.user.id, findingId: meta.value.findingId, ...decided });
      await ack();
    });
    const server = (await app.start(0)) as unknown as Server;
    const events = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;

    const click = await sendSigned(
      events,
      SECRET,
      buttonClickForm({
        actionId: 'shareguard.trust',
        value: f.id,
        userId: 'U0ALICE',
        teamId: 'T0LOCAL',
        channelId: 'C0SEC',
        messageTs: '1.000001',
        responseUrl: api.responseUrl(),
        triggerId: api.views.issueTrigger('U0ALICE'),
      }),
    );
    expect(click.status).toBe(200);
    await vi_waitFor(() => api!.views.modals().length === 1);
    const opened = api.views.modals()[0]!;
    expect(opened.userId).toBe('U0ALICE');

    const empty = await sendSigned(
      events,
      SECRET,
      viewSubmissionForm({
        userId: 'U0ALICE',
        teamId: 'T0LOCAL',
        view: api.views.submitted(opened.id, { [REASON_BLOCK]: '' }),
      }),
    );
    expect(empty.status).toBe(200);
    expect(JSON.parse(empty.body)).toMatchObject({
      response_action: 'errors',
      errors: { [REASON_BLOCK]: expect.any(String) },
    });
    expect(submissions).toHaveLength(0);

    const good = await sendSigned(
      events,
      SECRET,
      viewSubmissionForm({
        userId: 'U0ALICE',
        teamId: 'T0LOCAL',
        view: api.views.submitted(opened.id, { [REASON_BLOCK]: 'our AMI vendor', [EXPIRY_BLOCK]: '7' }),
      }),
    );
    expect(good.status).toBe(200);
    expect(submissions).toEqual([
      { user: 'U0ALICE', findingId: f.id, reason: 'our AMI vendor', expiresInDays: 7 },
    ]);

    // Unsigned or forged submissions never reach the listener.
    const forged = await sendSigned(
      events,
      'wrong-secret',
      viewSubmissionForm({
        userId: 'U0MALLORY',
        teamId: 'T0LOCAL',
        view: api.views.submitted(opened.id, { [REASON_BLOCK]: 'x'.repeat(10) }),
      }),
    );
    expect(forged.status).toBe(401);
    expect(submissions).toHaveLength(1);
  });

  it('keeps threads: replies, broadcasts and conversations.replies', async () => {
    api = await startLocalSlackApi();
    const post = (args: Record<string, string>) =>
      fetch(`${api!.apiUrl}chat.postMessage`, {
        method: 'POST',
        headers: { authorization: 'Bearer xoxb-t', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(args).toString(),
      }).then((r) => r.json() as Promise<{ ok: boolean; ts?: string; error?: string }>);
    const parent = await post({ channel: 'C1', text: 'scan' });
    const r1 = await post({ channel: 'C1', text: 'one', thread_ts: parent.ts! });
    await post({ channel: 'C1', text: 'two', thread_ts: r1.ts!, reply_broadcast: 'true' }); // a reply's ts: same thread
    expect(await post({ channel: 'C1', text: 'lost', thread_ts: '123.456' })).toMatchObject({
      ok: false,
      error: 'thread_not_found',
    });
    expect(api.topLevel('C1').map((m) => m.text)).toEqual(['scan', 'two']);
    expect(api.replies('C1', parent.ts!).map((m) => m.text)).toEqual(['one', 'two']);
    expect(api.message('C1', parent.ts!)!.reply_count).toBe(2);
    const replies = (await fetch(`${api.apiUrl}conversations.replies?channel=C1&ts=${r1.ts}`, {
      headers: { authorization: 'Bearer xoxb-t' },
    }).then((r) => r.json())) as { messages: Array<{ text: string; subtype?: string }> };
    expect(replies.messages.map((m) => m.text)).toEqual(['scan', 'one', 'two']);
    expect(replies.messages[2]!.subtype).toBe('thread_broadcast');
  });
});

async function vi_waitFor(check: () => boolean): Promise<void> {
  // Bolt runs the action listener after acking; wait for its views.open (bounded, not timed).
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

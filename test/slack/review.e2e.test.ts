/**
 * The Review modal on a small world (issue 23 items 1 and 2): opened from an owner message, a Remove in
 * it pushes the reason modal (no Slack confirm dialog first) and its submission carries out exactly one
 * decision; without a reason modal (`slack.requireReason: false`) the Review's buttons keep their confirm
 * dialog and act at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { REVIEW_ACTIONS, REVIEW_CALLBACK } from '../../src/slack/messages/review.ts';
import { REASON_BLOCK, REASON_CALLBACK } from '../../src/slack/messages/modals.ts';
import { buttonClickForm, sendSigned, viewActionForm } from '../../src/testing/signed-request.ts';
import type { StoredView } from '../../src/testing/slack-api/views.ts';
import { ALICE, CHANNEL, SECRET, TEAM, startE2E, type E2E } from '../helpers/e2e.ts';
import { account, emptyWorld, image, snapshot } from '../helpers/world.ts';

const A = '111111111111';
const B = '222222222222';
const R = 'us-east-1';
const EVIL = '444444444444';
const OTHER = '555555555555';

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.stop();
  e2e = undefined;
});

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
function elements(v: unknown, out: Obj[] = []): Obj[] {
  if (Array.isArray(v)) for (const x of v) elements(x, out);
  else if (isObj(v)) {
    if ((v['type'] === 'button' || v['type'] === 'static_select') && typeof v['action_id'] === 'string')
      out.push(v);
    for (const x of Object.values(v)) elements(x, out);
  }
  return out;
}

function world() {
  const w = emptyWorld([account(A, [R]), account(B, [R])]);
  for (let i = 1; i <= 6; i++) w.images.push(image(i, R, EVIL, [{ userId: i % 2 ? A : B }]));
  for (let i = 1; i <= 4; i++) w.snapshots.push(snapshot(i, R, OTHER, [A]));
  return w;
}

async function openReview(e: E2E, owner: string): Promise<StoredView> {
  const top = e.slack.topLevel(CHANNEL)[0]!;
  const msg = e.slack
    .replies(CHANNEL, top.ts)
    .find((m) => JSON.stringify(m.blocks).includes(`Untrusted account ${owner}`))!;
  const review = elements(msg.blocks).find((b) => b['action_id'] === REVIEW_ACTIONS.open)!;
  const res = await sendSigned(
    e.events,
    SECRET,
    buttonClickForm({
      actionId: REVIEW_ACTIONS.open,
      value: String(review['value']),
      userId: ALICE,
      teamId: TEAM,
      channelId: CHANNEL,
      messageTs: msg.ts,
      responseUrl: e.slack.responseUrl(undefined, { channel: CHANNEL, ts: msg.ts, user: ALICE }),
      triggerId: e.slack.views.issueTrigger(ALICE),
    }),
  );
  expect(res.status).toBe(200);
  await e.server.idle();
  const v = e.slack.views.modals().at(-1)!;
  expect(v.callbackId).toBe(REVIEW_CALLBACK);
  return v;
}

async function inView(e: E2E, v: StoredView, actionId: string, value: string) {
  const res = await sendSigned(
    e.events,
    SECRET,
    viewActionForm({
      actionId,
      value,
      userId: ALICE,
      teamId: TEAM,
      triggerId: e.slack.views.issueTrigger(ALICE),
      view: {
        id: v.id,
        type: v.type,
        hash: v.hash,
        callback_id: v.callbackId ?? '',
        private_metadata: v.privateMetadata ?? '',
      },
    }),
  );
  expect(res.status).toBe(200);
  await e.server.idle();
}

const all = (e: E2E) =>
  e.server.ctx.deps.store.listDecisions({
    since: new Date(Date.now() - 3_600_000).toISOString(),
  });

describe('Review modal', () => {
  it('Remove in the Review pushes the reason modal and carries out exactly one decision', async () => {
    e2e = await startE2E(world(), { maxMessagesPerScan: 3, slack: { requireReason: true } });
    await e2e.command('');
    const review = await openReview(e2e, EVIL);
    const removes = elements(review.view['blocks']).filter((b) => b['action_id'] === REVIEW_ACTIONS.remove);
    expect(removes).toHaveLength(6);
    expect(removes.every((b) => b['confirm'] === undefined && b['style'] === 'danger')).toBe(true);
    const target = String(removes[2]!['value']);
    const earlier = new Set((await all(e2e)).map((d) => d.decisionId));

    await inView(e2e, review, REVIEW_ACTIONS.remove, target);
    const pushed = e2e.slack.views.modals().at(-1)!;
    expect(pushed.callbackId).toBe(REASON_CALLBACK);
    expect(pushed.previousViewId).toBe(review.id);
    expect(JSON.stringify(pushed.view)).toMatch(/What happens, in order/);
    const res = await e2e.submitView(pushed.id, { [REASON_BLOCK]: 'not ours' });
    expect(res.status).toBe(200);

    const added = (await all(e2e)).filter((d) => !earlier.has(d.decisionId));
    expect(added.map((d) => [d.action, d.findingId])).toEqual([['remove', target]]);
    const open = await e2e.server.ctx.deps.store.listFindings({ states: ['open'] });
    expect(open).toHaveLength(9);
    expect(open.some((r) => r.finding.id === target)).toBe(false);

    // A second Remove of the same finding from the (stale) Review changes nothing and says why.
    await inView(e2e, review, REVIEW_ACTIONS.remove, target);
    const notice = e2e.slack.views.modals().at(-1)!;
    expect(JSON.stringify(notice.view)).toMatch(/Nothing was changed/);
    expect(
      (await all(e2e)).filter(
        (d) => !earlier.has(d.decisionId) && d.action === 'remove' && d.outcome !== 'refused',
      ).length,
    ).toBeLessThanOrEqual(1);
  }, 60_000);

  it('without a reason modal the Review buttons keep their confirm dialog and act at once', async () => {
    e2e = await startE2E(world(), { maxMessagesPerScan: 3 }); // requireReason: false
    await e2e.command('');
    const review = await openReview(e2e, EVIL);
    const removes = elements(review.view['blocks']).filter((b) => b['action_id'] === 'shareguard.remove');
    expect(removes).toHaveLength(6);
    expect(removes.every((b) => isObj(b['confirm']))).toBe(true);
  }, 60_000);
});

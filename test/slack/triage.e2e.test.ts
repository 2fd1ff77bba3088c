/**
 * Owner-first triage at organization scale (issue 23 item 1, acceptance): a generated 300-account
 * world with more than 800 findings, scanned through the real Bolt app (signed requests) against the
 * Slack stand-in, which refuses anything beyond Block Kit's limits. Every open finding is reachable in
 * at most two clicks from the scan's thread or the Home tab; a decision from the Review modal carries
 * out exactly one decision.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWorld, SPECS, type WorldSpec } from '../../bench/worlds.ts';
import { validateBlocks, validateView } from '../../src/slack/messages/limits.ts';
import { REVIEW_ACTIONS, REVIEW_CALLBACK } from '../../src/slack/messages/review.ts';
import { REASON_BLOCK, REASON_CALLBACK } from '../../src/slack/messages/modals.ts';
import {
  messageSelectForm,
  sendSigned,
  viewActionForm,
  buttonClickForm,
} from '../../src/testing/signed-request.ts';
import type { StoredMessage } from '../../src/testing/slack-api/index.ts';
import type { StoredView } from '../../src/testing/slack-api/views.ts';
import { ALICE, CHANNEL, SECRET, TEAM, startE2E, type E2E } from '../helpers/e2e.ts';

const SPEC: WorldSpec = {
  ...SPECS.S,
  seed: 0x7a1a_0300,
  accounts: 300,
  regions: ['us-east-1', 'eu-west-1'],
  untrustedOwners: 40,
  trustedOwners: 3,
  amis: 320,
  snapshots: 320,
  dbSnapshots: 220,
  clusterSnapshots: 100,
  orgAmis: 0,
  ouAmis: 0,
  ous: 3,
  ownPerAccount: 0,
  publicOnly: 0,
  hot: {},
  usage: { instances: 30, volumes: 10, restores: 0 },
};

let e2e: E2E;
let thread: StoredMessage[];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every interactive element in a block tree (buttons and selects, with their options). */
function elements(v: unknown, out: Obj[] = []): Obj[] {
  if (Array.isArray(v)) for (const x of v) elements(x, out);
  else if (isObj(v)) {
    if ((v['type'] === 'button' || v['type'] === 'static_select') && typeof v['action_id'] === 'string')
      out.push(v);
    for (const x of Object.values(v)) elements(x, out);
  }
  return out;
}

const DECISION_IDS = new Set(['shareguard.remove', REVIEW_ACTIONS.remove]);

/** The finding ids a view or message offers a Remove for (the decision click is the next one). */
function decidable(blocks: unknown): string[] {
  return elements(blocks)
    .filter((e) => DECISION_IDS.has(String(e['action_id'])))
    .map((e) => String(e['value']));
}

/** (action id, value) of every Review opener: buttons, and each option of the selects. */
interface Opener {
  actionId: string;
  value: string;
  select: boolean;
}
function openers(blocks: unknown): Opener[] {
  return elements(blocks)
    .filter((e) => String(e['action_id']).startsWith(REVIEW_ACTIONS.open))
    .flatMap((e) =>
      e['type'] === 'button'
        ? [{ actionId: String(e['action_id']), value: String(e['value']), select: false }]
        : (e['options'] as Obj[]).map((o): Opener => ({
            actionId: String(e['action_id']),
            value: String(o['value']),
            select: true,
          })),
    );
}

/** A top-level post (a thread's parent carries its own ts as thread_ts), not a broadcast reply. */
const isParent = (m: StoredMessage) => !m.thread_ts || m.thread_ts === m.ts;

const lastModal = (): StoredView => e2e.slack.views.modals().at(-1)!;

/** One click on a Review opener in a thread message: the modal it opened. */
async function clickOpener(msg: StoredMessage, o: { actionId: string; value: string; select: boolean }) {
  const before = e2e.slack.views.modals().length;
  const triggerId = e2e.slack.views.issueTrigger(ALICE);
  const form = o.select
    ? messageSelectForm({
        actionId: o.actionId,
        value: o.value,
        userId: ALICE,
        teamId: TEAM,
        channelId: CHANNEL,
        messageTs: msg.ts,
        triggerId,
      })
    : buttonClickForm({
        actionId: o.actionId,
        value: o.value,
        userId: ALICE,
        teamId: TEAM,
        channelId: CHANNEL,
        messageTs: msg.ts,
        responseUrl: e2e.slack.responseUrl(undefined, { channel: CHANNEL, ts: msg.ts, user: ALICE }),
        triggerId,
      });
  expect((await sendSigned(e2e.events, SECRET, form)).status).toBe(200);
  await e2e.server.idle();
  expect(e2e.slack.views.modals().length).toBe(before + 1);
  return lastModal();
}

/** A control inside a view (Review modal or Home tab). */
async function inView(v: StoredView, actionId: string, value: string, selected = false, user = ALICE) {
  const form = viewActionForm({
    actionId,
    value,
    selected,
    userId: user,
    teamId: TEAM,
    triggerId: e2e.slack.views.issueTrigger(user),
    view: {
      id: v.id,
      type: v.type,
      hash: v.hash,
      ...(v.callbackId ? { callback_id: v.callbackId } : {}),
      ...(v.privateMetadata ? { private_metadata: v.privateMetadata } : {}),
    },
  });
  expect((await sendSigned(e2e.events, SECRET, form)).status).toBe(200);
  await e2e.server.idle();
}

beforeAll(async () => {
  const bw = generateWorld(SPEC);
  bw.world.latencyMs = 0;
  // The default: a reason modal follows every decision click (slack.requireReason: true).
  e2e = await startE2E(bw.world, { trust: bw.trusted, slack: { requireReason: true } });
  const res = await e2e.command('');
  expect(res.status).toBe(200);
  const top = e2e.slack.topLevel(CHANNEL).filter(isParent);
  expect(top).toHaveLength(1); // one top-level message per scan
  // …and at most one owner message broadcast into the channel (the most risky owner's).
  expect(e2e.slack.topLevel(CHANNEL).length).toBeLessThanOrEqual(2);
  thread = e2e.slack.replies(CHANNEL, top[0]!.ts);
}, 600_000);

afterAll(async () => {
  await e2e?.stop();
});

describe('owner-first triage on a 300-account organization', () => {
  it('posts one message per owner within the budget, each within Block Kit limits, none with a wall of Remove buttons', async () => {
    const open = await e2e.server.ctx.deps.store.listFindings({ states: ['open'] });
    expect(open.length).toBeGreaterThanOrEqual(800);
    expect(new Set(open.map((r) => r.finding.accountId)).size).toBeGreaterThan(250);
    expect(thread.length).toBeLessThanOrEqual(20); // slack.maxMessagesPerScan
    for (const m of thread) {
      expect(validateBlocks(m.blocks)).toEqual([]);
      expect(decidable(m.blocks)).toEqual([]); // decisions per finding live in Review
    }
    const owners = new Set(open.map((r) => r.finding.ownerAccountId));
    const headed = thread.filter((m) => /Untrusted account \d{12} shared/.test(JSON.stringify(m.blocks)));
    expect(headed).toHaveLength(19); // 40 owners: 19 messages of their own, one index for the other 21
    expect(owners.size).toBe(40);
    // Every finding has a message (none left "not posted"): its owner's, or the owners index.
    expect(open.filter((r) => !r.message)).toEqual([]);
    const summary = JSON.stringify(e2e.slack.topLevel(CHANNEL).find(isParent)!.blocks);
    expect(summary).not.toMatch(/not posted yet/);
    expect(summary).toContain('of 300 accounts');
  });

  it('reaches every open finding in at most two clicks from the thread: Review (a button or a page), then Remove', async () => {
    const open = await e2e.server.ctx.deps.store.listFindings({ states: ['open'] });
    const reached = new Set<string>();
    let clicks = 0;
    for (const m of thread)
      for (const o of openers(m.blocks)) {
        const modal = await clickOpener(m, o);
        clicks++;
        expect(validateView(modal.view)).toEqual([]);
        expect(modal.callbackId).toBe(REVIEW_CALLBACK);
        expect((modal.view['blocks'] as unknown[]).length).toBeLessThanOrEqual(100);
        expect(String((modal.view['title'] as Obj)['text']).length).toBeLessThanOrEqual(24);
        expect((modal.privateMetadata ?? '').length).toBeLessThanOrEqual(3000);
        for (const id of decidable(modal.view['blocks'])) reached.add(id);
        // The second click: any other page of that Review (its page menu).
        const goto = elements(modal.view['blocks']).find((e) => e['action_id'] === REVIEW_ACTIONS.goto);
        for (const page of ((goto?.['options'] as Obj[] | undefined) ?? []).slice(1)) {
          await inView(e2e.slack.views.view(modal.id)!, REVIEW_ACTIONS.goto, String(page['value']), true);
          const v = e2e.slack.views.view(modal.id)!;
          expect(validateView(v.view)).toEqual([]);
          for (const id of decidable(v.view['blocks'])) reached.add(id);
        }
      }
    expect(clicks).toBeGreaterThanOrEqual(40); // an owner's Review, or one of its pages
    expect(open.filter((r) => !reached.has(r.finding.id)).map((r) => r.finding.id)).toEqual([]);
  }, 300_000);

  it('pages the Home tab through every open finding with filters, within 100 blocks', async () => {
    const open = await e2e.server.ctx.deps.store.listFindings({ states: ['open'] });
    await e2e.openHome(ALICE);
    const home = () => e2e.slack.views.home(ALICE)!;
    expect(validateView(home().view)).toEqual([]);
    const reached = new Set(decidable(home().view['blocks']));
    // One click on the page menu shows any page.
    const goto = elements(home().view['blocks']).find((e) => e['action_id'] === REVIEW_ACTIONS.goto)!;
    const pages = (goto['options'] as Obj[]).map((o) => String(o['value']));
    expect(pages.length).toBeGreaterThan(40);
    for (const p of pages.slice(1)) {
      await inView(home(), REVIEW_ACTIONS.goto, p, true);
      const v = home();
      expect(validateView(v.view)).toEqual([]);
      expect((v.view['blocks'] as unknown[]).length).toBeLessThanOrEqual(100);
      for (const id of decidable(v.view['blocks'])) reached.add(id);
    }
    expect(open.filter((r) => !reached.has(r.finding.id))).toEqual([]);

    // A filter narrows the pages: only EBS snapshots, first page.
    await inView(home(), REVIEW_ACTIONS.kind, 'ebs-snapshot', true);
    const ids = decidable(home().view['blocks']);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.every((id) => id.startsWith('ebs-snapshot:'))).toBe(true);
    expect(JSON.stringify(home().view)).not.toMatch(/🟥|🟧|🟨|🟩/); // one risk tag per line
  }, 300_000);

  it('a Remove from the Review modal pushes the reason modal (no confirm dialog first) and carries out exactly one decision', async () => {
    const store = e2e.server.ctx.deps.store;
    const before = await store.listFindings({ states: ['open'] });
    const ownerMsg = thread.find((m) => openers(m.blocks).some((o) => !o.select))!;
    const review = await clickOpener(
      ownerMsg,
      openers(ownerMsg.blocks).find((o) => !o.select)!,
    );
    const removes = elements(review.view['blocks']).filter((e) => e['action_id'] === REVIEW_ACTIONS.remove);
    expect(removes.length).toBeGreaterThan(0);
    expect(removes.every((b) => b['confirm'] === undefined)).toBe(true); // the modal is the confirmation
    const target = String(removes[0]!['value']);

    // Filters and pages update the Review in place.
    await inView(review, REVIEW_ACTIONS.risk, 'all', true);
    expect(e2e.slack.views.view(review.id)!.updates).toBe(1);

    const all = () =>
      store.listDecisions({
        since: new Date(Date.now() - 3_600_000).toISOString(),
        until: new Date(Date.now() + 3_600_000).toISOString(),
      });
    const earlier = new Set((await all()).map((d) => d.decisionId));
    await inView(e2e.slack.views.view(review.id)!, REVIEW_ACTIONS.remove, target);
    const pushed = lastModal();
    expect(pushed.callbackId).toBe(REASON_CALLBACK);
    expect(pushed.previousViewId).toBe(review.id); // pushed on top of the Review, not replacing it
    expect(validateView(pushed.view)).toEqual([]);
    expect(JSON.stringify(pushed.view)).toMatch(/What happens, in order/);
    const res = await e2e.submitView(pushed.id, { [REASON_BLOCK]: 'triage: not ours' });
    expect(res.status).toBe(200);
    await e2e.server.idle();

    const after = await store.listFindings({ states: ['open'] });
    expect(after.length).toBe(before.length - 1);
    expect(after.some((r) => r.finding.id === target)).toBe(false);
    // Exactly one new decision, on that finding.
    const added = (await all()).filter((d) => !earlier.has(d.decisionId));
    expect(added.map((d) => [d.action, d.findingId])).toEqual([['remove', target]]);
    // The owner message says what was decided.
    const updated = e2e.slack.message(CHANNEL, ownerMsg.ts)!;
    expect(JSON.stringify(updated.blocks)).toMatch(/1 (removed|revoked|blocked|recorded)/);
  }, 120_000);
});

import { afterEach, describe, expect, it } from 'vitest';
import type { DecisionRecord, FindingRecord, TrustEntry } from '../../src/domain/lifecycle.ts';
import { homeView } from '../../src/slack/messages/home.ts';
import { validateView } from '../../src/slack/messages/limits.ts';
import { sendSigned } from '../../src/testing/signed-request.ts';
import { ALICE, CAROL, CHANNEL, MALLORY, SECRET, TEAM, startE2E, type E2E } from '../helpers/e2e.ts';
import { account, emptyWorld, image } from '../helpers/world.ts';
import { record } from './messages/fixtures.ts';

const A = '111111111111';
const R = 'us-east-1';
const EVIL = '444444444444';
const DAVE = 'U0DAVE'; // in the channel, not an approver

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.stop();
  e2e = undefined;
});

const buttons = (v: unknown) => (JSON.stringify(v).match(/shareguard\.(trust|remove)/g) ?? []).length;

describe('App Home (app_home_opened → views.publish)', () => {
  it('approvers get the open findings with buttons, channel members a read-only view, others a note', async () => {
    const world = emptyWorld([account(A, [R])]);
    world.images.push(
      image(1, R, EVIL, [{ userId: A }], { name: 'backdoored' }),
      image(2, R, EVIL, [{ userId: A }], { name: 'second' }),
    );
    e2e = await startE2E(world, { channelMembers: [ALICE, DAVE, CAROL] });
    await e2e.command('');
    await e2e.click('remove', `ami:${A}:${R}:ami-00000000000000001`);

    const res = await e2e.openHome(ALICE);
    expect(res.status).toBe(200);
    const publish = e2e.slack.callsOf('views.publish');
    expect(publish).toHaveLength(1);
    expect(publish[0]!.args['user_id']).toBe(ALICE);
    const alice = e2e.slack.views.home(ALICE)!;
    expect(validateView(alice.view)).toEqual([]);
    const text = JSON.stringify(alice.view);
    expect(text).toContain('ami-00000000000000002'); // still open
    expect(text).toMatch(/Open findings \(1\)/);
    expect(buttons(alice.view)).toBe(2); // Trust + Remove of the open one
    expect(text).toMatch(/Recent decisions/);
    expect(text).toContain(`<@${ALICE}>`); // who removed the first one
    expect(text).toMatch(/Last scan/);
    expect(text).toContain(`<#${CHANNEL}>`);

    // A group member is an approver too.
    await e2e.openHome(CAROL);
    expect(buttons(e2e.slack.views.home(CAROL)!.view)).toBe(2);

    await e2e.openHome(DAVE);
    const dave = e2e.slack.views.home(DAVE)!;
    expect(validateView(dave.view)).toEqual([]);
    expect(JSON.stringify(dave.view)).toContain('ami-00000000000000002');
    expect(JSON.stringify(dave.view)).toMatch(/Read-only/);
    expect(buttons(dave.view)).toBe(0);

    await e2e.openHome(MALLORY);
    const mallory = e2e.slack.views.home(MALLORY)!;
    expect(validateView(mallory.view)).toEqual([]);
    expect(JSON.stringify(mallory.view)).not.toContain('ami-0000');
    expect(JSON.stringify(mallory.view)).toMatch(/cannot see its findings/);

    // Opening it again updates the same Home view.
    await e2e.openHome(ALICE);
    expect(e2e.slack.views.home(ALICE)!.updates).toBe(1);
  });
});

describe('App Home buttons', () => {
  it('Remove clicked on the Home tab goes through the same listener: removed in AWS, channel message updated', async () => {
    const world = emptyWorld([account(A, [R])]);
    world.images.push(image(1, R, EVIL, [{ userId: A }], { name: 'backdoored' }));
    e2e = await startE2E(world);
    await e2e.command('');
    await e2e.openHome(ALICE);
    const home = e2e.slack.views.home(ALICE)!;
    const id = `ami:${A}:${R}:ami-00000000000000001`;
    // What Slack sends for a button in a Home tab: a view container, no channel, no message.
    const payload = {
      type: 'block_actions',
      api_app_id: 'A0SHAREGUARD',
      team: { id: TEAM, domain: 'example' },
      user: { id: ALICE, username: 'alice', team_id: TEAM },
      container: { type: 'view', view_id: home.id },
      view: { id: home.id, type: 'home', hash: home.hash },
      trigger_id: e2e.slack.views.issueTrigger(ALICE),
      actions: [
        {
          type: 'button',
          action_id: 'shareguard.remove',
          block_id: 'home.actions.0',
          value: id,
          action_ts: '1',
        },
      ],
    };
    const res = await sendSigned(e2e.events, SECRET, { payload: JSON.stringify(payload) });
    expect(res.status).toBe(200);
    await e2e.server.idle();
    expect(e2e.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(1);
    expect((await e2e.server.ctx.deps.store.getFinding(id))?.state).toBe('removed');
    expect(JSON.stringify((await e2e.messageFor(id))?.blocks)).toMatch(/Removed/);
  });
});

describe('homeView limits', () => {
  const many = (n: number): FindingRecord[] =>
    Array.from({ length: n }, (_, i) =>
      record(
        {},
        {
          resourceId: `ami-${String(i).padStart(17, '0')}`,
          name: `${'<!channel> *bold* '.repeat(10)}${i}`,
          ownerAccountId: String(500000000000 + (i % 13)),
          ...({ risk: ['low', 'critical', 'high', 'medium'][i % 4] } as object),
        },
      ),
    );
  const decisions: DecisionRecord[] = Array.from({ length: 40 }, (_, i) => ({
    decisionId: `d${i}`,
    action: 'remove',
    findingId: `ami:111122223333:us-east-1:ami-${String(i).padStart(17, '0')}`,
    by: { userId: 'U0ALICE' },
    at: '2026-12-01T10:00:00.000Z',
    outcome: 'succeeded',
    detail: 'x'.repeat(300),
  }));
  const trust: TrustEntry[] = Array.from({ length: 300 }, (_, i) => ({
    accountId: String(700000000000 + i),
    note: 'vendor '.repeat(30),
    addedBy: { userId: 'U0BOB' },
    addedAt: '2026-11-01T10:00:00.000Z',
    ...({ expiresAt: '2026-12-08T10:00:00.000Z' } as object),
  }));

  for (const canDecide of [true, false]) {
    it(`stays within 100 blocks and every limit with 500 findings (${canDecide ? 'approver' : 'reader'})`, () => {
      const view = homeView({
        viewer: { userId: 'U0X', canDecide },
        open: many(500),
        decisions,
        trust,
        lastScan: {
          at: '2026-12-01T09:00:00.000Z',
          summary: 'x',
          posts: { posted: 10, failed: 2, notPosted: 3 },
        },
        guard: { mode: 'iam-policy', blockedOwners: 3, blockedResources: 12 },
        channel: 'C0SECURITY',
        maxFindings: 60,
      });
      expect(view.blocks.length).toBeLessThanOrEqual(100);
      expect(validateView(view)).toEqual([]);
      const text = JSON.stringify(view);
      // A page of open findings with the page menu (issue 23), one risk tag per line.
      expect(text).toMatch(/Findings 1–\d+ of 500/);
      expect(text).toContain('shareguard.review.goto');
      expect(text).toMatch(/🔴 critical/);
      expect(text).not.toMatch(/🟥/);
      expect(text).toMatch(/expires/);
      expect(text).toMatch(/Guard.*iam-policy.*3 blocked accounts/);
      expect(text).toMatch(/5 findings waiting to be posted/);
      expect(text).not.toContain('<!channel>');
      // Highest risk first.
      const first = view.blocks.find((b) => b.block_id === 'review.finding.0');
      expect(JSON.stringify(first)).toMatch(/critical/);
    });
  }
});

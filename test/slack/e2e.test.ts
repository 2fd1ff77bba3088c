import { afterEach, describe, expect, it } from 'vitest';
import { validateBlocks } from '../../src/slack/messages/limits.ts';
import { findingId } from '../../src/domain/finding.ts';
import { sendSigned, slackSignature } from '../../src/testing/signed-request.ts';
import { ALICE, BOB, CAROL, CHANNEL, MALLORY, SECRET, startE2E, type E2E } from '../helpers/e2e.ts';
import { account, emptyWorld, image, ORG, rdsSnapshot, snapshot, type World } from '../helpers/world.ts';

const A = '111111111111';
const B = '222222222222';
const EVIL = '444444444444';
const EVIL2 = '666666666666';
const R = 'us-east-1';

function testWorld(): World {
  const world = emptyWorld([account(A, [R], { organization: ORG }), account(B, [R], { organization: ORG })]);
  world.images.push(
    image(1, R, EVIL, [{ userId: A }], { name: 'backdoored-ubuntu' }),
    image(2, R, EVIL, [{ organizationArn: ORG }], { name: 'org-shared' }),
    image(3, R, EVIL2, [{ userId: A }, { userId: B }], { name: '<!channel> free crypto' }),
  );
  world.snapshots.push(snapshot(1, R, EVIL, [A], { description: 'db backup' }));
  world.dbSnapshots.push(rdsSnapshot('customers', R, EVIL2, [B]));
  return world;
}

const amiId = (n: number, acct = A) => findingId('ami', acct, R, `ami-${n.toString(16).padStart(17, '0')}`);
const snapId = findingId('ebs-snapshot', A, R, 'snap-00000000000000001');

const SINCE = new Date(Date.now() - 60 * 60_000).toISOString();

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.stop();
  e2e = undefined;
});

/** A literal string as a RegExp source. */
const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const blocksText = (m: { text?: string; blocks?: unknown[] } | undefined) => JSON.stringify(m ?? {});
const hasButtons = (m: { blocks?: unknown[] } | undefined) =>
  /shareguard\.(trust|remove)/.test(JSON.stringify(m?.blocks ?? []));

describe('the Slack bot end to end (Bolt over signed HTTP, simulator, dynalite)', () => {
  it('/shared-scan posts progress, then each finding with Trust and Remove, then a summary', async () => {
    e2e = await startE2E(testWorld());
    const res = await e2e.command('');
    expect(res.status).toBe(200);

    const messages = e2e.slack.messages(CHANNEL);
    const progress = messages[0]!;
    expect(progress.updates).toBeGreaterThanOrEqual(1); // replaced by the summary
    // testWorld: 7 shares (3 AMIs, one of them in both accounts, then one in each; a snapshot; an RDS snapshot)
    // into 2 accounts of one region each; all new, all posted in the summary's thread.
    const summary =
      /^✅ Scan of all monitored accounts finished in [\d.]+ s: 7 untrusted shares in 2 of 2 accounts \(7 new, 0 shared again, 0 resolved; 7 posted\)\. 2 account-regions scanned; 0 trusted shares skipped\.$/;
    expect(progress.text).toMatch(summary);
    expect(progress.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: progress.text, verbatim: true } },
      {
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: '🧵 The findings are in this thread, most urgent first.', verbatim: true },
        ],
      },
    ]);
    expect(progress.reply_count).toBe(7);

    const ids = [
      amiId(1),
      amiId(2),
      amiId(2, B),
      amiId(3),
      amiId(3, B),
      snapId,
      findingId('rds-snapshot', B, R, `arn:aws:rds:${R}:${EVIL2}:snapshot:customers`),
    ];
    for (const id of ids) {
      const m = await e2e.messageFor(id);
      expect(m, id).toBeDefined();
      expect(hasButtons(m)).toBe(true);
      // Its Remove, Trust and Block account buttons act on this finding (Remove first: the primary action).
      const acts = (m!.blocks as { type: string; elements?: { action_id?: string; value?: string }[] }[])
        .filter((b) => b.type === 'actions')
        .flatMap((b) => b.elements ?? [])
        .map((e) => [e.action_id, e.value]);
      expect(acts, id).toEqual([
        ['shareguard.remove', id],
        ['shareguard.trust', id],
        ['block_account', id],
      ]);
    }
    const direct = await e2e.messageFor(amiId(1));
    // The confirm dialog lists the rungs that will run, generated from the registry.
    expect(blocksText(direct)).toContain('1) cancel the launch permission as recipient');
    // A recipient cannot tell how an AMI reached it: the message claims no share path.
    expect(blocksText(direct)).toContain(
      'directly or through the organization — AWS does not tell a recipient',
    );
    // Attacker-controlled names never ping the channel.
    expect(blocksText(await e2e.messageFor(amiId(3)))).not.toContain('<!channel>');

    // A second scan posts nothing new.
    const before = e2e.slack.callsOf('chat.postMessage').length;
    await e2e.command('');
    expect(e2e.slack.callsOf('chat.postMessage').length).toBe(before + 1); // only its progress message
  });

  it('Trust stores the owner on the trust list and closes every open finding of that owner', async () => {
    e2e = await startE2E(testWorld());
    await e2e.command('');
    await e2e.click('trust', amiId(1));

    const store = e2e.server.ctx.deps.store;
    expect((await store.getTrust(EVIL))?.addedBy).toMatchObject({ userId: ALICE });
    for (const id of [amiId(1), amiId(2), snapId]) {
      expect((await store.getFinding(id))?.state).toBe('trusted');
      const m = await e2e.messageFor(id);
      expect(hasButtons(m)).toBe(false);
      expect(m?.text).toMatch(/^\[low\] 🛡 .* by untrusted account 444444444444 \(trusted\)$/);
      expect(m?.blocks?.at(-1)).toMatchObject({
        type: 'section',
        text: {
          text: expect.stringMatching(
            /^🛡 \*Trusted\* by <@U0ALICE> <!date\^\d+\^\{date_short_pretty\} \{time\}\|[^>]+>: account `444444444444` is on the trust list; what it shares is no longer reported\.$/,
          ),
        },
      });
    }
    expect((await store.getFinding(amiId(3)))?.state).toBe('open');
    const decisions = await store.listDecisions({ since: SINCE });
    expect(decisions.filter((d) => d.action === 'trust' && d.outcome === 'succeeded')).toHaveLength(1);

    // The next scan no longer reports that owner; /shared-scan untrust brings it back.
    await e2e.command('untrust 444444444444');
    expect(await store.getTrust(EVIL)).toBeUndefined();
    await e2e.command('');
    expect((await store.getFinding(amiId(1)))?.state).toBe('open');
    expect(blocksText(await e2e.messageFor(amiId(1)))).toMatch(/shared again/i);
  });

  it('Remove on a directly shared AMI cancels its launch permission and says so', async () => {
    e2e = await startE2E(testWorld());
    await e2e.command('');
    expect(e2e.sim.state.image('ami-00000000000000001')!.launchPermissions).toEqual([{ userId: A }]);

    await e2e.click('remove', amiId(1));

    expect(e2e.sim.state.image('ami-00000000000000001')!.launchPermissions).toEqual([]);
    expect(e2e.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(1);
    const rec = await e2e.server.ctx.deps.store.getFinding(amiId(1));
    expect(rec).toMatchObject({
      state: 'removed',
      decision: { outcome: 'removed', by: { userId: ALICE } },
      finding: { sharedVia: 'account' },
    });
    const m = await e2e.messageFor(amiId(1));
    expect(hasButtons(m)).toBe(false);
    expect(m?.text).toBe(
      `[low] ✅ AMI ami-00000000000000001 shared into ${A} ${R} by untrusted account ${EVIL} (removed)`,
    );
    expect(m?.blocks?.at(-1)).toMatchObject({
      type: 'section',
      text: {
        text: expect.stringMatching(
          /^✅ \*Removed\* by <@U0ALICE> <!date\^\d+\^\{date_short_pretty\} \{time\}\|[^>]+>: Launch permission of ami-00000000000000001 cancelled for 111111111111 in us-east-1; the account no longer sees it\. Only the owner 444444444444 can share it again\.$/,
        ),
      },
    });
    const log = await e2e.server.ctx.deps.store.listDecisions({ since: SINCE, findingId: amiId(1) });
    expect(log[0]).toMatchObject({ action: 'remove', outcome: 'removed' });
    // The log says which rung ran and the AWS calls that show it: the cancel, then the check it is gone.
    expect(log[0]!.detail).toBe(
      '1. Cancel as recipient — done: Launch permission of ami-00000000000000001 cancelled for 111111111111 in us-east-1; the account no longer sees it. Only the owner 444444444444 can share it again. [ec2:CancelImageLaunchPermission ami-00000000000000001 → true; ec2:DescribeImages ExecutableBy=self image-id=ami-00000000000000001 → not visible]',
    );
  });

  it('Remove with the guard off on an organization-shared AMI and on a snapshot is honest: recorded, nothing claimed removed', async () => {
    e2e = await startE2E(testWorld());
    await e2e.command('');
    await e2e.click('remove', amiId(2));
    await e2e.click('remove', snapId);

    const store = e2e.server.ctx.deps.store;
    expect(await store.getFinding(amiId(2))).toMatchObject({
      state: 'recorded',
      decision: { outcome: 'recorded' },
      // Learned from the cancel: InvalidAMIID.NotFound while it stays visible.
      finding: { sharedVia: 'organization' },
    });
    expect(await store.getFinding(snapId)).toMatchObject({
      state: 'recorded',
      decision: { outcome: 'recorded' },
    });
    expect(e2e.sim.state.image('ami-00000000000000002')!.launchPermissions).toEqual([
      { organizationArn: ORG },
    ]);
    expect(e2e.sim.state.snapshot('snap-00000000000000001')!.createVolumePermissions).toEqual([
      { userId: A },
    ]);
    // Organization-shared AMIs and snapshots: no recipient-side call is even attempted on snapshots.
    expect(e2e.sim.calls({ action: 'ModifySnapshotAttribute' })).toBe(0);
    const honest =
      'AWS offers the account no way to remove it and the guard is off (guard.mode: off), so nothing blocks its use: only the owner 444444444444 can unshare it. The decision is recorded.';
    const outcome = async (id: string) => (await e2e!.messageFor(id))?.blocks?.at(-1);
    const recorded = (words: string) =>
      expect.stringMatching(
        new RegExp(
          `^ℹ️ \\*Remove recorded\\* by <@U0ALICE> <!date\\^\\d+\\^\\{date_short_pretty\\} \\{time\\}\\|[^>]+>: ${escape(words)}$`,
        ),
      );
    expect(await outcome(amiId(2))).toMatchObject({
      text: {
        text: recorded(
          'ami-00000000000000002 reaches 111111111111 through an organization or OU share, which a recipient cannot cancel (AWS answered InvalidAMIID.NotFound while it stays visible). ' +
            honest,
        ),
      },
    });
    expect(await outcome(snapId)).toMatchObject({ text: { text: recorded(honest) } });
    for (const id of [amiId(2), snapId]) {
      const m = await e2e.messageFor(id);
      expect(m?.text).toMatch(/ by untrusted account 444444444444 \(recorded\)$/);
      expect(blocksText(m)).not.toMatch(/✅/);
    }
  });

  it('refuses users who are not approvers, and lets members of the approver group act', async () => {
    e2e = await startE2E(testWorld());
    await e2e.command('');
    await e2e.click('remove', amiId(1), MALLORY);

    expect(e2e.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(0);
    expect((await e2e.server.ctx.deps.store.getFinding(amiId(1)))?.state).toBe('open');
    expect(e2e.slack.ephemerals.at(-1)).toMatchObject({ user: MALLORY });
    expect(e2e.slack.ephemerals.at(-1)!.text).toBe(
      '🚫 you are not one of the configured approvers; nothing was changed.',
    );
    const log = await e2e.server.ctx.deps.store.listDecisions({ since: SINCE });
    expect(log[0]).toMatchObject({ action: 'remove', outcome: 'refused', by: { userId: MALLORY } });

    // Acked at once (the approver check may call usergroups.users.list); the refusal follows via response_url.
    const untrust = await e2e.command('untrust 999999999999', MALLORY);
    expect(untrust.body).toBe('');
    expect(e2e.slack.responses.at(-1)?.payload).toMatchObject({
      text: '🚫 you are not one of the configured approvers',
    });
    expect(e2e.slack.responses.at(-1)?.effect).toBe('ephemeral');

    await e2e.click('remove', amiId(1), CAROL);
    expect((await e2e.server.ctx.deps.store.getFinding(amiId(1)))?.state).toBe('removed');
  });

  it('refuses commands and clicks that claim another workspace', async () => {
    e2e = await startE2E(testWorld(), { teamId: 'T0OTHER' });
    const res = await e2e.command('');
    expect(JSON.parse(res.body)).toMatchObject({
      response_type: 'ephemeral',
      text: '🚫 workspace T0LOCAL is not allowed',
    });
    expect(e2e.slack.callsOf('chat.postMessage')).toHaveLength(0);
    await e2e.click('remove', amiId(1));
    expect(e2e.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(0);
  });

  it('rejects forged and stale signatures with 401', async () => {
    e2e = await startE2E(testWorld());
    const form = {
      command: '/shared-scan',
      text: '',
      user_id: ALICE,
      team_id: 'T0LOCAL',
      channel_id: CHANNEL,
    };
    const forged = await sendSigned(e2e.events, 'not-the-secret', form);
    expect(forged.status).toBe(401);
    const old = Math.floor(Date.now() / 1000) - 600;
    const body = new URLSearchParams(form).toString();
    const stale = await sendSigned(e2e.events, SECRET, form, {
      timestamp: old,
      signature: slackSignature(SECRET, old, body),
    });
    expect(stale.status).toBe(401);
    expect(e2e.slack.callsOf('chat.postMessage')).toHaveLength(0);
  });

  it('refuses a tampered button value and changes nothing', async () => {
    e2e = await startE2E(testWorld());
    await e2e.command('');
    for (const value of [
      'ami:111111111111:us-east-1:ami-does-not-exist',
      '{"id":"x"}',
      amiId(1).replace(A, '999999999999'),
    ]) {
      await e2e.click('remove', value);
    }
    expect(e2e.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(0);
    expect(e2e.slack.ephemerals.length).toBe(3);
    expect((await e2e.server.ctx.deps.store.getFinding(amiId(1)))?.state).toBe('open');
  });

  it('20 concurrent Remove clicks on one finding make exactly one AWS call and one outcome', async () => {
    e2e = await startE2E(testWorld());
    await e2e.command('');
    const clicks = await Promise.all(
      Array.from({ length: 20 }, (_, i) => e2e!.click('remove', amiId(1), i % 2 ? ALICE : BOB)),
    );
    expect(clicks.every((c) => c.status === 200)).toBe(true);
    await e2e.server.idle();

    expect(e2e.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(1);
    const log = await e2e.server.ctx.deps.store.listDecisions({ since: SINCE, findingId: amiId(1) });
    expect(log.filter((d) => d.outcome === 'removed')).toHaveLength(1);
    expect(log.filter((d) => d.outcome === 'refused')).toHaveLength(19);
  });

  it('keeps decisions and the trust list across a restart', async () => {
    e2e = await startE2E(testWorld());
    await e2e.command('');
    await e2e.click('trust', amiId(3));
    await e2e.click('remove', amiId(1));
    await e2e.restart();

    const store = e2e.server.ctx.deps.store;
    expect(await store.getTrust(EVIL2)).toMatchObject({
      accountId: EVIL2,
      note: 'trusted from ami ami-00000000000000003',
      addedBy: { userId: ALICE },
    });
    expect((await store.getFinding(amiId(1)))?.state).toBe('removed');
    const posts = e2e.slack.callsOf('chat.postMessage').length;
    await e2e.command('');
    // Nothing reposted: the remaining findings are known, EVIL2 is trusted, the removed AMI is gone.
    expect(e2e.slack.callsOf('chat.postMessage').length).toBe(posts + 1);
    await e2e.command('trusted');
    expect(e2e.slack.responses.at(-1)?.payload).toMatchObject({
      response_type: 'ephemeral',
      text: '🛡 1 trusted account',
      blocks: [
        { type: 'header', text: { text: '🛡 Trusted accounts (1)' } },
        {
          type: 'section',
          text: {
            text: expect.stringMatching(
              /^• `666666666666` — trusted from ami ami-00000000000000003 · added by <@U0ALICE> <!date\^\d+\^\{date_short_pretty\} \{time\}\|[^>]+>$/,
            ),
          },
        },
      ],
    });
  });

  it('marks a finding resolved when the owner unshares it, and posts it again when shared again', async () => {
    e2e = await startE2E(testWorld());
    await e2e.command('');
    const snap = e2e.sim.state.snapshots.get('snap-00000000000000001')!;
    e2e.sim.state.snapshots.removeVolumePermission(snap, { userId: A });
    await e2e.command('');
    expect((await e2e.server.ctx.deps.store.getFinding(snapId))?.state).toBe('resolved');
    const resolved = await e2e.messageFor(snapId);
    expect(resolved?.text).toBe(
      `[low] ✔️ EBS snapshot snap-00000000000000001 shared into ${A} ${R} by untrusted account ${EVIL} (resolved)`,
    );
    expect(resolved?.blocks?.at(-1)).toMatchObject({
      type: 'section',
      text: {
        text: expect.stringMatching(
          /^✔️ \*Resolved\* <!date\^\d+\^\{date_short_pretty\} \{time\}\|[^>]+>: no longer shared with this account\.$/,
        ),
      },
    });
    expect(hasButtons(resolved)).toBe(false);

    await e2e.click('remove', amiId(1));
    e2e.sim.state.images.addLaunchPermission(e2e.sim.state.images.get('ami-00000000000000001')!, {
      userId: A,
    });
    await e2e.command('');
    const again = await e2e.server.ctx.deps.store.getFinding(amiId(1));
    expect(again).toMatchObject({
      state: 'open',
      previousDecision: { action: 'remove', outcome: 'removed' },
    });
    const m = await e2e.messageFor(amiId(1));
    expect(hasButtons(m)).toBe(true);
    expect(m?.text).toBe(
      `[low] ℹ️ Shared again: AMI ami-00000000000000001 shared into ${A} ${R} by untrusted account ${EVIL}`,
    );
    expect(m?.blocks?.[0]).toMatchObject({
      type: 'header',
      text: { text: `🔁 AMI shared again by account ${EVIL}` },
    });
    // The earlier decision is shown: who removed it and what was done.
    expect(blocksText(m)).toMatch(
      /🔁 \*Shared again\* <!date\^\d+\^\{date_short_pretty\} \{time\}\|[^>]+>\. Previously ✅ removed by <@U0ALICE> <!date\^\d+\^\{date_short_pretty\} \{time\}\|[^>]+>: Launch permission of ami-00000000000000001 cancelled for 111111111111 in us-east-1; the account no longer sees it\. Only the owner 444444444444 can share it again\.(?!\.)/,
    );
  });

  it('answers help, status, bad input and filters without a stack trace', async () => {
    e2e = await startE2E(testWorld());
    const help = await e2e.command('help');
    expect(JSON.parse(help.body)).toMatchObject({
      response_type: 'ephemeral',
      text: 'shareguard: /shared-scan, /shared-scan account=<id>[,<id>…] region=<region>[,…] kind=<kind>[,…], /shared-scan status, /shared-scan trusted, /shared-scan untrust <account id>, /shared-scan block <account id> [reason], /shared-scan unblock <account id>, /shared-scan post, /shared-scan help',
    });
    const bad = await e2e.command('frobnicate now');
    expect(JSON.parse(bad.body)).toMatchObject({
      response_type: 'ephemeral',
      text: '⚠️ unknown word "frobnicate": expected help, status, trusted, post, untrust &lt;account&gt;, block &lt;account&gt; [reason], unblock &lt;account | resource&gt;, or filters account=, region=, kind=',
    });
    expect(bad.body).not.toMatch(/at .*\.ts:\d+/);
    const badRegion = await e2e.command('region=moon-1');
    expect(JSON.parse(badRegion.body)).toMatchObject({
      response_type: 'ephemeral',
      text: '⚠️ region="moon-1": expected a region such as us-east-1',
    });

    await e2e.command(`account=${B} kind=rds-snapshot`);
    const store = e2e.server.ctx.deps.store;
    const open = await store.listFindings({ states: ['open'] });
    expect(open.map((r) => r.finding.kind)).toEqual(['rds-snapshot']);

    await e2e.command('account=333333333333');
    expect(e2e.slack.responses.at(-1)?.payload).toMatchObject({
      response_type: 'ephemeral',
      text: '🚫 the scan failed: not a monitored account: 333333333333',
    });

    await e2e.command('status');
    // Only B's RDS snapshot was scanned (account=B kind=rds-snapshot): one open finding.
    expect(e2e.slack.responses.at(-1)?.payload).toMatchObject({
      text: 'shareguard status: 1 open finding',
      blocks: [
        { type: 'header', text: { text: 'shareguard status' } },
        { type: 'section', text: { text: '*1 open finding* waiting for a decision · 0 trusted accounts' } },
        {},
        { type: 'context', elements: [{ text: 'Open by owner: `666666666666` 1' }] },
        {
          type: 'section',
          text: {
            text: expect.stringMatching(
              /^• 🟡 medium · \*RDS DB snapshot\* `arn:aws:rds:us-east-1:666666666666:snapshot:customers` “customers” from `666666666666` → `222222222222` us-east-1 · since /,
            ),
          },
        },
      ],
    });
  });

  it('a scan with 500 findings posts a bounded number of messages, all within Block Kit limits', async () => {
    const world = emptyWorld([account(A, [R])]);
    for (let i = 0; i < 500; i++) {
      const owner = `5${String(i % 7).padStart(11, '0')}`;
      world.images.push(
        image(1000 + i, R, owner, [{ userId: A }], { name: `image-${'x'.repeat(i % 120)}-${i}` }),
      );
    }
    e2e = await startE2E(world, { maxMessagesPerScan: 20 });
    await e2e.command('');

    const posts = e2e.slack.callsOf('chat.postMessage');
    // The progress message + one message per owner (7 owners): owner-first triage (issue 23).
    expect(posts).toHaveLength(8);
    const top = e2e.slack.topLevel(CHANNEL);
    expect(top).toHaveLength(1);
    expect(posts.slice(1).map((c) => c.args['thread_ts'])).toEqual(Array(7).fill(top[0]!.ts));
    for (const m of e2e.slack.messages(CHANNEL)) expect(validateBlocks(m.blocks ?? [])).toEqual([]);
    const open = await e2e.server.ctx.deps.store.listFindings({ states: ['open'] });
    expect(open).toHaveLength(500);
    // Every finding is in its owner's message (its Review lists it): none left unposted.
    expect(open.filter((r) => !r.message)).toEqual([]);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
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
    expect(progress.text).toMatch(/scan/i);
    expect(progress.updates).toBeGreaterThanOrEqual(1); // replaced by the summary
    expect(blocksText(progress)).toMatch(/7 untrusted/);

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
      expect(blocksText(m)).toMatch(/🛡/);
      expect(blocksText(m)).toContain(ALICE);
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
    expect(blocksText(m)).toMatch(/✅/);
    expect(blocksText(m)).toMatch(/cancelled/i);
    const log = await e2e.server.ctx.deps.store.listDecisions({ since: SINCE, findingId: amiId(1) });
    expect(log[0]).toMatchObject({ action: 'remove', outcome: 'removed' });
    expect(log[0]!.detail).toMatch(/CancelImageLaunchPermission/);
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
    for (const id of [amiId(2), snapId]) {
      const text = blocksText(await e2e.messageFor(id));
      expect(text).toMatch(/only the owner/i);
      expect(text).not.toMatch(/✅/);
    }
  });

  it('refuses users who are not approvers, and lets members of the approver group act', async () => {
    e2e = await startE2E(testWorld());
    await e2e.command('');
    await e2e.click('remove', amiId(1), MALLORY);

    expect(e2e.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(0);
    expect((await e2e.server.ctx.deps.store.getFinding(amiId(1)))?.state).toBe('open');
    expect(e2e.slack.ephemerals.at(-1)).toMatchObject({ user: MALLORY });
    expect(e2e.slack.ephemerals.at(-1)!.text).toMatch(/approver/);
    const log = await e2e.server.ctx.deps.store.listDecisions({ since: SINCE });
    expect(log[0]).toMatchObject({ action: 'remove', outcome: 'refused', by: { userId: MALLORY } });

    // Acked at once (the approver check may call usergroups.users.list); the refusal follows via response_url.
    const untrust = await e2e.command('untrust 999999999999', MALLORY);
    expect(untrust.body).toBe('');
    expect(JSON.stringify(e2e.slack.responses.at(-1)?.payload)).toMatch(/approver/);
    expect(e2e.slack.responses.at(-1)?.effect).toBe('ephemeral');

    await e2e.click('remove', amiId(1), CAROL);
    expect((await e2e.server.ctx.deps.store.getFinding(amiId(1)))?.state).toBe('removed');
  });

  it('refuses commands and clicks that claim another workspace', async () => {
    e2e = await startE2E(testWorld(), { teamId: 'T0OTHER' });
    const res = await e2e.command('');
    expect(res.body).toMatch(/workspace T0LOCAL is not allowed/);
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
    expect(await store.getTrust(EVIL2)).toBeDefined();
    expect((await store.getFinding(amiId(1)))?.state).toBe('removed');
    const posts = e2e.slack.callsOf('chat.postMessage').length;
    await e2e.command('');
    // Nothing reposted: the remaining findings are known, EVIL2 is trusted, the removed AMI is gone.
    expect(e2e.slack.callsOf('chat.postMessage').length).toBe(posts + 1);
    await e2e.command('trusted');
    expect(JSON.stringify(e2e.slack.responses.at(-1)?.payload)).toContain(EVIL2);
  });

  it('marks a finding resolved when the owner unshares it, and posts it again when shared again', async () => {
    e2e = await startE2E(testWorld());
    await e2e.command('');
    const snap = e2e.sim.state.snapshots.get('snap-00000000000000001')!;
    e2e.sim.state.snapshots.removeVolumePermission(snap, { userId: A });
    await e2e.command('');
    expect((await e2e.server.ctx.deps.store.getFinding(snapId))?.state).toBe('resolved');
    expect(blocksText(await e2e.messageFor(snapId))).toMatch(/no longer shared/i);

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
    expect(blocksText(m)).toMatch(/shared again/i);
  });

  it('answers help, status, bad input and filters without a stack trace', async () => {
    e2e = await startE2E(testWorld());
    const help = await e2e.command('help');
    expect(help.body).toMatch(/untrust/);
    const bad = await e2e.command('frobnicate now');
    expect(bad.body).toMatch(/frobnicate/);
    expect(bad.body).not.toMatch(/at .*\.ts:\d+/);
    const badRegion = await e2e.command('region=moon-1');
    expect(badRegion.body).toMatch(/region/);

    await e2e.command(`account=${B} kind=rds-snapshot`);
    const store = e2e.server.ctx.deps.store;
    const open = await store.listFindings({ states: ['open'] });
    expect(open.map((r) => r.finding.kind)).toEqual(['rds-snapshot']);

    await e2e.command('account=333333333333');
    expect(JSON.stringify(e2e.slack.responses.at(-1)?.payload)).toMatch(/not a monitored account/);

    await e2e.command('status');
    expect(JSON.stringify(e2e.slack.responses.at(-1)?.payload)).toMatch(/1 open|open/i);
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
    expect(posts.length).toBeLessThanOrEqual(21); // progress + at most 20
    expect(
      e2e.slack.calls.filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update'),
    ).not.toHaveLength(0);
    const open = await e2e.server.ctx.deps.store.listFindings({ states: ['open'] });
    expect(open).toHaveLength(500);
    // Every finding is in a message or counted in the overflow message.
    const shown = open.filter((r) => r.message).length;
    const overflow = e2e.slack
      .messages(CHANNEL)
      .map((m) => blocksText(m))
      .join('')
      .match(/(\d+) more finding/);
    expect(shown + Number(overflow?.[1] ?? 0)).toBe(500);
  });
});

/**
 * Block account end to end: signed Slack requests into the real Bolt app, the guard applied through
 * the IAM SDK against the simulator, enforcement checked as a workload role would see it.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { RunInstancesCommand } from '@aws-sdk/client-ec2';
import { resolveConfig } from '../../src/config/load.ts';
import { findingId } from '../../src/domain/finding.ts';
import { startServer, type RunningServer } from '../../src/serve.ts';
import { startLocalSlackApi, type LocalSlackApi } from '../../src/testing/slack-api/index.ts';
import { buttonClickForm, sendSigned, slashCommandForm } from '../../src/testing/signed-request.ts';
import { start } from '../../src/testing/sim/index.ts';
import { account, emptyWorld, image, snapshot, type World } from '../helpers/world.ts';
import { actAs, outcomeOf } from '../guard/helpers.ts';

const A = '111111111111';
const EVIL = '444444444444';
const R = 'us-east-1';
const CHANNEL = 'C0SECURITY';
const ALICE = 'U0ALICE';
const MALLORY = 'U0MALLORY';
const TEAM = 'T0LOCAL';
const SECRET = 'test-signing-secret';
const WORKLOAD = 'WorkloadRole';

interface Bed {
  sim: Awaited<ReturnType<typeof start>>;
  slack: LocalSlackApi;
  server: RunningServer;
  command(text: string, user?: string): Promise<void>;
  click(actionId: string, value: string, user?: string): Promise<void>;
  stop(): Promise<void>;
}

async function startBed(world: World, guard: Record<string, unknown>): Promise<Bed> {
  const sim = await start({ world });
  const slack = await startLocalSlackApi({});
  const config = resolveConfig(
    {
      accounts: [{ id: A }],
      regions: [R],
      aws: { endpoint: sim.endpoint, maxAttempts: 2 },
      slack: { channel: CHANNEL, approvers: { users: [ALICE] }, requireReason: false }, // one-click (the modal: modals.e2e)
      store: { kind: 'embedded', dataDir: await mkdtemp(join(tmpdir(), 'sg-guard-e2e-')) },
      schedule: { enabled: false },
      guard,
    },
    { source: 'test' },
  );
  const server = await startServer({
    config,
    env: {
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
    },
    credentials: { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey },
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
  const events = `${server.url}/slack/events`;
  return {
    sim,
    slack,
    server,
    async command(text, user = ALICE) {
      await sendSigned(
        events,
        SECRET,
        slashCommandForm({
          text,
          userId: user,
          channelId: CHANNEL,
          teamId: TEAM,
          responseUrl: slack.responseUrl(undefined, { channel: CHANNEL, user }),
        }),
      );
      await server.idle();
    },
    async click(actionId, value, user = ALICE) {
      const ts =
        slack.messages(CHANNEL).find((m) => JSON.stringify(m.blocks ?? []).includes(value))?.ts ?? '0';
      await sendSigned(
        events,
        SECRET,
        buttonClickForm({
          actionId,
          value,
          userId: user,
          teamId: TEAM,
          channelId: CHANNEL,
          messageTs: ts,
          responseUrl: slack.responseUrl(undefined, { channel: CHANNEL, ts, user }),
        }),
      );
      await server.idle();
    },
    async stop() {
      await server.stop();
      await slack.close();
      await sim.stop();
    },
  };
}

function world(): World {
  const w = emptyWorld([account(A, [R], { roles: [{ name: WORKLOAD, policies: [] }] })]);
  w.images.push(image(1, R, EVIL, [{ userId: A }], { name: 'backdoored-ubuntu' }));
  w.snapshots.push(snapshot(1, R, EVIL, [A]));
  return w;
}

const amiFinding = findingId('ami', A, R, 'ami-00000000000000001');
const snapFinding = findingId('ebs-snapshot', A, R, 'snap-00000000000000001');
const text = (x: unknown) => JSON.stringify(x ?? {});

let bed: Bed | undefined;
afterEach(async () => {
  await bed?.stop();
  bed = undefined;
});

describe('Block account through Slack', () => {
  it('/shared-scan block: the guard is applied and verified, findings close as blocked, the workload role is denied; unblock reverses', async () => {
    bed = await startBed(world(), { mode: 'iam-policy', attachToRoles: [WORKLOAD] });
    const store = bed.server.ctx.deps.store;
    await bed.command('');
    expect((await store.getFinding(amiFinding))?.state).toBe('open');

    // Not an approver: refused, nothing stored.
    await bed.command(`block ${EVIL} nope`, MALLORY);
    expect(await store.getBlockedOwner(EVIL)).toBeUndefined();

    await bed.command(`block ${EVIL} shared a <!channel> backdoor`);
    expect(await store.getBlockedOwner(EVIL)).toMatchObject({ by: { userId: ALICE } });
    expect((await store.getFinding(amiFinding))?.state).toBe('blocked');
    expect((await store.getFinding(snapFinding))?.state).toBe('blocked');
    const post = bed.slack.messages(CHANNEL).at(-1);
    expect(text(post)).toMatch(/blocked account `444444444444`/);
    expect(text(post)).toMatch(/ShareGuardBlocked in 111111111111/);
    expect(text(post)).not.toContain('<!channel>'); // the reason is user text: escaped
    const w = await actAs(bed.sim, A, WORKLOAD);
    const run = () =>
      w.ec2.send(new RunInstancesCommand({ ImageId: 'ami-00000000000000001', MinCount: 1, MaxCount: 1 }));
    expect(await outcomeOf(run())).toBe('UnauthorizedOperation');

    await bed.command(`unblock ${EVIL}`);
    expect(await store.getBlockedOwner(EVIL)).toBeUndefined();
    expect((await store.getFinding(amiFinding))?.state).toBe('open');
    expect(text(bed.slack.messages(CHANNEL).at(-1))).toMatch(/unblocked account `444444444444`/);
    expect(await outcomeOf(run())).toBe('ok');
    w.destroy();
  });

  it('the Block account button blocks the owner of the clicked finding (re-loaded from the store)', async () => {
    bed = await startBed(world(), { mode: 'iam-policy', attachToRoles: [WORKLOAD] });
    const store = bed.server.ctx.deps.store;
    await bed.command('');
    await bed.click('block_account', amiFinding, MALLORY);
    expect(await store.getBlockedOwner(EVIL)).toBeUndefined();
    expect(bed.slack.ephemerals.at(-1)?.text).toMatch(/approver/);

    await bed.click('block_account', 'ami:111111111111:us-east-1:ami-nonexistent');
    expect(await store.getBlockedOwner(EVIL)).toBeUndefined();

    await bed.click('block_account', amiFinding);
    expect(await store.getBlockedOwner(EVIL)).toBeDefined();
    expect((await store.getFinding(snapFinding))?.state).toBe('blocked');
    const log = await store.listDecisions({ since: new Date(Date.now() - 3600_000).toISOString() });
    expect(
      log
        .filter((d) => d.action === 'block-account')
        .map((d) => d.outcome)
        .sort(),
    ).toEqual(['blocked', 'refused', 'refused']);
  });
});

/**
 * Issue 20 item 4: Block account at organization scale. `shareguard serve` (a child process) blocks an
 * owner across 2,000 monitored accounts against the simulator (running in this process, so AWS outlives
 * the child); the child is SIGKILLed mid-way; a new `serve` on the same data finishes it: the decision
 * completes `blocked`, every account's workload role carries the deny, no item of the table is large.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { resolveConfig } from '../../src/config/load.ts';
import { openStore } from '../../src/store/index.ts';
import { startLocalSlackApi } from '../../src/testing/slack-api/index.ts';
import { sendSigned, slashCommandForm } from '../../src/testing/signed-request.ts';
import { startSim } from '../helpers/scan.ts';
import { account, emptyWorld, image } from '../helpers/world.ts';
import { shareguard } from '../cli/spawn.ts';
import { EVIL, R, WORKLOAD } from './helpers.ts';

const N = 2000;
const ids = Array.from({ length: N }, (_, i) => String(100_000_000_000 + i));
const SECRET = 'org-scale-secret';
const CHANNEL = 'C0SEC';
const ALICE = 'U0ALICE';

/** Whether the role's attached guard denies EVIL's images (the owner statement names it). */
function denies(state: Awaited<ReturnType<typeof startSim>>['state'], accountId: string): boolean {
  return state.iam
    .roleSources(accountId, WORKLOAD)
    .some((s) =>
      (
        s.document.Statement as Array<{ Sid?: string; Condition?: Record<string, Record<string, string[]>> }>
      ).some(
        (st) =>
          st.Sid === 'DenyImagesOfBlockedOwners' && st.Condition?.StringEquals?.['ec2:Owner']?.includes(EVIL),
      ),
    );
}

describe('Block account across an organization', () => {
  it(`blocks an owner in ${N} accounts; durable across a SIGKILL of serve mid-way; verified; no item grows with the accounts`, async () => {
    const world = emptyWorld(
      ids.map((id) => account(id, [R], { roles: [{ name: WORKLOAD, policies: [] }] })),
    );
    world.images.push(image(1, R, EVIL, [{ userId: ids[0]! }]));
    const sim = await startSim(world);
    const slack = await startLocalSlackApi();
    const dir = await mkdtemp(join(tmpdir(), 'sg-org-'));
    const configFile = join(dir, 'shareguard.yml');
    const config = {
      accounts: ids.map((id) => ({ id })),
      regions: [R],
      aws: { endpoint: sim.endpoint, maxAttempts: 4 },
      guard: { mode: 'iam-policy', attachToRoles: [WORKLOAD] },
      slack: { channel: CHANNEL, approvers: { users: [ALICE] }, requireReason: false, postIntervalMs: 0 },
      store: { kind: 'embedded', dataDir: join(dir, 'data') },
      schedule: { enabled: false },
    };
    await writeFile(configFile, stringify(config));
    const env = {
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_APP_TOKEN: '',
      SLACK_API_URL: slack.url,
      PORT: '0',
      AWS_ACCESS_KEY_ID: sim.accessKeyId,
      AWS_SECRET_ACCESS_KEY: sim.secretAccessKey,
      AWS_PROFILE: '',
    };
    const serve = () => shareguard(['serve', '--config', configFile], env);
    const first = serve();
    let second: ReturnType<typeof serve> | undefined;
    try {
      const ready = JSON.parse(await first.waitFor(/"shareguard is ready"/)) as { url: string };
      const res = await sendSigned(
        `${ready.url}/slack/events`,
        SECRET,
        slashCommandForm({
          text: `block ${EVIL} org-scale test`,
          userId: ALICE,
          channelId: CHANNEL,
          teamId: 'T0LOCAL',
          responseUrl: slack.responseUrl(),
        }),
      );
      expect(res.status).toBe(200);
      // Mid-way: some hundreds of accounts written, most not.
      while (sim.calls({ action: 'AttachRolePolicy' }) < 300) await new Promise((r) => setTimeout(r, 50));
      first.child.kill('SIGKILL');
      await first.exited;
      const midway = ids.filter((id) => denies(sim.state, id)).length;
      expect(midway).toBeGreaterThan(0);
      expect(midway).toBeLessThan(N);

      second = serve();
      const done = JSON.parse(await second.waitFor(/"owner blocked"/)) as { outcome: string; owner: string };
      expect(done).toMatchObject({ owner: EVIL, outcome: 'blocked' });
      second.child.kill('SIGTERM');
      await second.exited;

      // Every account's workload role carries the deny: the guard holds what the decision says.
      expect(ids.filter((id) => !denies(sim.state, id))).toEqual([]);
      // The channel was told, and never "nothing was changed".
      const posted = slack.callsOf('chat.postMessage').map((c) => JSON.stringify(c));
      expect(posted.some((p) => p.includes(`blocked account`) && p.includes(EVIL))).toBe(true);
      expect(posted.some((p) => /nothing was changed/.test(p))).toBe(false);

      // The store: the decision completed, bounded; nothing in the table near DynamoDB's 400 KB.
      const store = await openStore(resolveConfig(config, { source: 'test' }).store);
      try {
        const log = await store.listDecisions({ since: new Date(Date.now() - 3600_000).toISOString() });
        const block = log.filter((d) => d.action === 'block-account');
        expect(block.map((d) => d.outcome)).toEqual(['blocked']);
        expect(JSON.stringify(block[0]).length).toBeLessThan(20_000);
        expect((await store.getBlockedOwner(EVIL))?.ownerAccountId).toBe(EVIL);
        const scopes = await store.listGuardScopes();
        expect(scopes).toHaveLength(N);
        expect(scopes.every((s) => s.applied >= s.requested)).toBe(true);
        for (const s of scopes) expect(JSON.stringify(s).length).toBeLessThan(1000);
      } finally {
        await store.close();
      }
    } finally {
      first.child.kill('SIGKILL');
      second?.child.kill('SIGKILL');
      await slack.close();
      await sim.stop();
    }
  }, 900_000);
});

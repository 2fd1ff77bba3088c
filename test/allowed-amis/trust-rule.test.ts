/**
 * Issue 23 item 3: Allowed AMIs trusts exactly the owners the scan trusts. Through the demo world (with
 * one AMI of the `trustedSource: false` sandbox shared into prod-app), the Bolt app and the simulator:
 * the scan's Allowed AMIs check lands in the scan's thread, names no sandbox drift, and after `apply`
 * every account-region's providers are exactly the owners `judgeOwner` trusts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { syncAllowedAmis, type AllowedAmisReport } from '../../src/allowed-amis/sync.ts';
import { currentTrust } from '../../src/core/trust.ts';
import { judgeOwner } from '../../src/domain/trust.ts';
import { allowedAmisMessage } from '../../src/slack/messages/allowed-amis.ts';
import { validateBlocks } from '../../src/slack/messages/limits.ts';
import { CHANNEL, startE2E, type E2E } from '../helpers/e2e.ts';
import type { World } from '../helpers/world.ts';

const SANDBOX = '777777777777'; // demo/shareguard.yml: trustedSource: false
const PROD = '111111111111';
const R = 'us-east-1';
const SANDBOX_AMI = 'ami-0a5a5a5a5a5a50002';

function demoWorld(): World {
  const w = JSON.parse(readFileSync(join(import.meta.dirname, '../../demo/world.json'), 'utf8')) as World;
  w.images.push({
    id: SANDBOX_AMI,
    region: R,
    owner: SANDBOX,
    name: 'sandbox-scratch-build',
    creationDate: '2026-11-01T00:00:00.000Z',
    launchPermissions: [{ userId: PROD }],
  });
  return w;
}

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.stop();
  e2e = undefined;
});

/** Every account id the world names: accounts and every owner of a shared resource. */
function everyAccountId(w: World): string[] {
  return [
    ...new Set([
      ...w.accounts.map((a) => a.id),
      ...w.images.map((i) => i.owner),
      ...w.snapshots.map((s) => s.owner),
      ...w.dbSnapshots.map((s) => s.owner),
      ...w.dbClusterSnapshots.map((s) => s.owner),
    ]),
  ].sort();
}

describe('Allowed AMIs never trusts an account the scan does not (demo world)', () => {
  it('providers are exactly the trusted owners; the check goes into the scan thread', async () => {
    const world = demoWorld();
    e2e = await startE2E(world, {
      trust: ['999999999999'],
      untrustedSources: [SANDBOX],
      config: { regions: 'all', guard: { allowedAmis: 'audit' } },
    });
    const deps = e2e.server.ctx.deps;

    await e2e.command('');
    // One top-level message per scan: the Allowed AMIs check is a reply in its thread.
    // (Critical findings are thread replies also broadcast to the channel: not messages of their own.)
    const top = e2e.slack.topLevel(CHANNEL).filter((m) => !m.thread_ts || m.thread_ts === m.ts);
    expect(top).toHaveLength(1);
    expect(e2e.slack.topLevel(CHANNEL).some((m) => m.text?.includes('Allowed AMIs'))).toBe(false);
    const replies = e2e.slack.replies(CHANNEL, top[0]!.ts);
    const allowed = replies.filter((m) => m.text?.startsWith('🛂'));
    expect(allowed).toHaveLength(1);
    const text = JSON.stringify(allowed[0]!.blocks);
    // prod-app us-east-1 is set up in the demo without the sandbox: in step, counted, not listed.
    expect(allowed[0]!.text).toMatch(/Allowed AMIs \(audit\): 1 in step, \d+ not set up yet/);
    expect(text).not.toContain(`+${SANDBOX}`);
    expect(text).not.toContain('drift');
    expect(text).not.toContain(`${PROD}\` us-east-1`);
    expect(validateBlocks(allowed[0]!.blocks ?? [])).toEqual([]);

    // The sandbox's AMI is a finding, and Allowed AMIs (audit mode) says it would not be allowed.
    const finding = (await deps.store.listFindings({ states: ['open'] })).find(
      (r) => r.finding.resourceId === SANDBOX_AMI,
    );
    expect(finding?.finding).toMatchObject({ ownerAccountId: SANDBOX, imageAllowed: false });

    // Apply everywhere: each account-region's providers = amazon + exactly what judgeOwner trusts.
    const applied = await syncAllowedAmis(deps, { apply: true });
    // The demo's legacy account cannot be assumed: its one failure is the only one.
    expect(applied.targets.filter((t) => t.outcome === 'failed').map((t) => t.accountId)).toEqual([
      '555555555555',
    ]);
    const { policy } = await currentTrust(deps.config, deps.store);
    const trusted = everyAccountId(world).filter((id) => judgeOwner(policy, id).trusted);
    expect(trusted).not.toContain(SANDBOX);
    expect(applied.providers).toEqual(['amazon', ...trusted]);
    for (const t of applied.targets.filter((x) => x.outcome !== 'failed')) {
      const providers = e2e.sim.state
        .allowedImagesSettings(t.accountId, t.region)
        .criteria.flatMap((c) => c.imageProviders ?? []);
      expect(providers, `${t.accountId} ${t.region}`).toEqual(['amazon', ...trusted]);
    }
    // And the next check is all in step: nothing to say in the thread.
    const after = await syncAllowedAmis(deps, { apply: false });
    expect(after.counts['in-step']).toBe(after.targets.length - 1);
    const reply = JSON.stringify(allowedAmisMessage(after)!.blocks);
    expect(reply).toContain(`${after.counts['in-step']} in step, 1 failed`);
    expect(reply.match(/• /g)).toHaveLength(1);
  });

  it('follows trust decisions made in Slack, still never the sandbox', async () => {
    e2e = await startE2E(demoWorld(), {
      trust: ['999999999999'],
      untrustedSources: [SANDBOX],
      config: { regions: [R], guard: { allowedAmis: 'audit' } },
    });
    const deps = e2e.server.ctx.deps;
    await deps.store.putTrust({ accountId: '444444444444', addedBy: { userId: 'U0ALICE' }, addedAt: '' });
    await deps.store.putTrust({ accountId: SANDBOX, addedBy: { userId: 'U0ALICE' }, addedAt: '' });
    const { policy } = await currentTrust(deps.config, deps.store);
    const report = await syncAllowedAmis(deps, { apply: false });
    for (const id of everyAccountId(demoWorld()))
      expect(report.providers.includes(id), id).toBe(judgeOwner(policy, id).trusted);
    // Trusted in Slack on purpose: then the scan trusts it too, and so does Allowed AMIs.
    expect(report.providers).toContain('444444444444');
    expect(report.providers).toContain(SANDBOX);
    expect(judgeOwner(policy, SANDBOX).trusted).toBe(true);
  });
});

describe('the Allowed AMIs thread reply', () => {
  const target = (i: number, outcome: AllowedAmisReport['targets'][number]['outcome']) => ({
    accountId: String(100000000000 + i),
    region: R,
    outcome,
    calls: [],
    ...(outcome === 'failed' ? { detail: 'AccessDenied: not authorized' } : {}),
  });

  it('counts the account-regions in step and lists only those that need action', () => {
    const targets = [...Array.from({ length: 897 }, (_, i) => target(i, 'in-step')), target(999, 'failed')];
    const msg = allowedAmisMessage({
      mode: 'enforce',
      providers: ['amazon'],
      targets,
      counts: {
        'in-step': 897,
        drift: 0,
        'not-set-up': 0,
        changed: 0,
        'would-change': 0,
        'declarative-policy': 0,
        'over-limit': 0,
        failed: 1,
      },
      summary: 'Allowed AMIs (enforce): 897 in step, 1 failed',
    })!;
    expect(validateBlocks(msg.blocks)).toEqual([]);
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain('897 in step, 1 failed');
    expect(text).toContain('1 account-region needs action');
    expect(text).toContain('100000000999');
    expect(text).not.toContain('100000000000');
    expect(text.match(/• /g)).toHaveLength(1);
  });
});

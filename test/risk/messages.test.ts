/** Risk and blast radius in Slack messages: shown, escaped, and within Block Kit limits at scale. */
import { describe, expect, it } from 'vitest';
import type { Finding, InUse } from '../../src/domain/finding.ts';
import type { FindingRecord } from '../../src/domain/lifecycle.ts';
import { rankFindings } from '../../src/domain/risk.ts';
import {
  digestMessage,
  findingMessage,
  NO_REMEDIATION_VIEW,
  newUseAlertMessage,
  planScanPosts,
  statusMessage,
} from '../../src/slack/messages/index.ts';
import { newUse } from '../../src/core/new-use.ts';
import { buttons, expectValid, OWNER, record, rng, textOf } from '../slack/messages/fixtures.ts';

const NOW = '2026-12-01T00:00:00.000Z';

function usage(n: number, unknown?: string): InUse {
  const items = (prefix: string) =>
    Array.from({ length: Math.min(n, 20) }, (_, i) => ({
      id: `${prefix}-${String(i).padStart(17, '0')}`,
      state: 'running',
    }));
  return {
    instances: { count: n, items: items('i') },
    volumes: { count: n, items: items('vol') },
    images: { count: 0, items: [] },
    copies: { count: 0, items: [] },
    restores: { count: 0, items: [] },
    ...(unknown ? { unknown: [unknown] } : {}),
  };
}

function ranked(f: Partial<Finding>, rec: Partial<FindingRecord> = {}): FindingRecord {
  const r = record(rec, f);
  rankFindings([r.finding], { now: NOW });
  return r;
}

describe('a finding message with its risk', () => {
  const critical = ranked({
    name: 'ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20241101',
    inUse: usage(3),
  });

  it('opens with the level and the reasons, then what uses it', () => {
    const m = findingMessage(critical);
    expectValid(m);
    // The level, then each reason; the impersonation names the real publisher and this owner (OWNER).
    expect(m.blocks[1]).toEqual({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: '🔴 *critical* — impersonates Ubuntu (Canonical publishes from 099720109477; this one is from 444455556666); in use: 3 running instances, 3 volumes',
        verbatim: true,
      },
    });
    // Then what uses it, by id (usage(3): three instances and three volumes).
    expect(m.blocks[2]).toEqual({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: '🔥 *in use:* 3 running instances — `i-00000000000000000`, `i-00000000000000001`, `i-00000000000000002`; 3 volumes — `vol-00000000000000000`, `vol-00000000000000001`, `vol-00000000000000002`',
          verbatim: true,
        },
      ],
    });
    expect(m.text).toBe(
      '[critical] 🚨 AMI ami-0123456789abcdef0 shared into prod 111122223333 us-east-1 by untrusted account 444455556666',
    );
  });

  it('warns in the Remove dialog that what runs keeps running', () => {
    const remove = buttons(findingMessage(critical).blocks).find((b) => b.action_id === 'shareguard.remove')!;
    const confirm = remove.confirm as { text: { text: string } };
    expect(confirm.text.text).toMatch(
      /^3 running instances, 3 volumes keep running or existing; removing does not stop them\./,
    );
    expect(confirm.text.text.length).toBeLessThanOrEqual(300);
  });

  it('warns in the Delete at source dialog too: deleting the AMI does not stop its instances', () => {
    // shareguard has a role in the owner account, so deleting at the source is offered.
    const view = () => ({
      owner: { id: OWNER, role: { name: 'ShareGuardScanner' } },
      guardMode: 'off' as const,
      dryRun: false,
    });
    const del = buttons(findingMessage(critical, view).blocks).find(
      (b) => b.action_id === 'shareguard.delete-at-source',
    )!;
    const confirm = (del.confirm as { text: { text: string } }).text.text;
    expect(confirm).toMatch(
      /^3 running instances, 3 volumes keep running or existing; deleting it at the source does not stop them\. \S/,
    );
    expect(confirm.length).toBeLessThanOrEqual(300);
  });

  it('mentions the configured people at or above slack.notify.minRisk, only while open', () => {
    const notify = { users: ['U0SECOPS'], usergroups: ['S0ONCALL'], minRisk: 'critical' as const };
    const m = findingMessage(critical, NO_REMEDIATION_VIEW, { notify });
    expect(textOf([m.blocks[1]!])).toContain('<@U0SECOPS> <!subteam^S0ONCALL>');
    expect(m.text).toContain('<@U0SECOPS>');
    const high = ranked({ name: 'RHEL-9-x' });
    expect(textOf(findingMessage(high, NO_REMEDIATION_VIEW, { notify }).blocks)).not.toContain('U0SECOPS');
    const decided = { ...critical, state: 'removed' as const };
    expect(textOf(findingMessage(decided, NO_REMEDIATION_VIEW, { notify }).blocks)).not.toContain('U0SECOPS');
  });

  it('says when the usage is unknown and keeps AWS error text inert', () => {
    const m = findingMessage(ranked({ inUse: usage(0, 'ec2:DescribeInstances: <!channel> denied') }));
    const text = textOf(m.blocks);
    expect(text).toContain('❔ usage partly unknown (ec2:DescribeInstances: &lt;!channel&gt; denied)');
    expect(text).not.toContain('<!channel>');
  });

  it('shows an AMI found only through its instances, and what Allowed AMIs would do', () => {
    const hidden = findingMessage(ranked({ notListed: true, imageAllowed: false, inUse: usage(1) }));
    expect(textOf(hidden.blocks)).toContain('👻 no longer listed for this account (hidden by Allowed AMIs)');
    const audit = findingMessage(ranked({ imageAllowed: false }));
    expect(textOf(audit.blocks)).toContain('not allowed by Allowed AMIs (audit mode)');
  });
});

describe('at scale', () => {
  function many(n: number): FindingRecord[] {
    const rand = rng(9);
    return Array.from({ length: n }, (_, i) => {
      const f: Partial<Finding> = {
        resourceId: `ami-${i.toString(16).padStart(17, '0')}`,
        ownerAccountId: String(400000000000 + Math.floor(rand() * 30)),
        name:
          rand() < 0.3
            ? `RHEL-<!channel>-${'𝔸'.repeat(Math.floor(rand() * 120))}`
            : `n${'x'.repeat(Math.floor(rand() * 200))}`,
        ...(rand() < 0.5
          ? {
              inUse: usage(
                Math.floor(rand() * 400),
                rand() < 0.3 ? `ec2:X: ${'<&>'.repeat(200)}` : undefined,
              ),
            }
          : {}),
        ...(rand() < 0.2 ? { public: true, deprecationTime: '2024-01-01T00:00:00Z' } : {}),
      };
      return record({}, f);
    });
  }

  it.each([1, 20, 200])('500 ranked findings with usage stay valid, riskiest first (%i messages)', (max) => {
    const records = many(500);
    rankFindings(
      records.map((r) => r.finding),
      { now: NOW },
    );
    const plan = planScanPosts(records, max, NO_REMEDIATION_VIEW, {
      notify: { users: ['U0SEC'], usergroups: [], minRisk: 'high' },
    });
    for (const p of plan.posts) expectValid(p);
    const shown = new Set(plan.posts.flatMap((p) => p.findingIds));
    expect(shown.size + plan.overflowCount).toBe(500);
  });

  it('status and digest list the riskiest first and stay valid', () => {
    const records = many(500);
    rankFindings(
      records.map((r) => r.finding),
      { now: NOW },
    );
    const status = statusMessage({ open: records });
    expectValid(status);
    const firstLine = textOf(status.blocks)
      .split('\n')
      .find((l) => l.startsWith('• '))!;
    expect(firstLine).toMatch(/^• 🔴 critical/);
    const digest = digestMessage({ since: NOW, open: records, decisions: [], resolved: 0 });
    expectValid(digest);
    expect(
      textOf(digest.blocks)
        .split('\n')
        .find((l) => l.startsWith('• ')),
    ).toMatch(/^• 🔴 critical/);
  });
});

describe('new use of a decided resource', () => {
  it('is found when a decided finding gains users, and alerted in a valid message', () => {
    const before = record(
      {
        state: 'owner-only',
        decision: {
          decisionId: 'd1',
          action: 'remove',
          by: { userId: 'U0BOB' },
          at: NOW,
          outcome: 'owner-only',
        },
      },
      { kind: 'ebs-snapshot', resourceId: 'snap-00000000000000001', inUse: usage(1) },
    );
    const after = { ...before, finding: { ...before.finding, inUse: usage(3) } };
    const use = newUse(before, after)!;
    expect(use.count).toBe(4);
    expect(use.added.instances?.map((i) => i.id)).toEqual(['i-00000000000000001', 'i-00000000000000002']);
    const m = newUseAlertMessage(use);
    expectValid(m);
    expect(textOf(m.blocks)).toContain('decided by <@U0BOB>');
    // Open findings and findings without an earlier lookup raise nothing.
    expect(newUse({ ...before, state: 'open', decision: undefined } as FindingRecord, after)).toBeUndefined();
    expect(newUse({ ...before, finding: { ...before.finding, inUse: undefined } }, after)).toBeUndefined();
    expect(newUse(before, before)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { RESOURCE_KINDS, findingId, type ResourceKind } from '../../../src/domain/finding.ts';
import type { FindingRecord, FindingState } from '../../../src/domain/lifecycle.ts';
import {
  ACTIONS,
  LIMITS,
  MAX_BLOCKS_CHARS,
  blocksChars,
  ownerGroupMessage,
  ownerGroupMessages,
  planScanPosts,
} from '../../../src/slack/messages/index.ts';
import { allStrings, buttons, expectValid, OWNER, record, rng, textOf } from './fixtures.ts';

function many(n: number, owners: string[], seed = 1): FindingRecord[] {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const out: FindingRecord[] = [];
  for (let i = 0; i < n; i++) {
    const kind: ResourceKind = pick(RESOURCE_KINDS);
    // Skewed: a few owners share a lot.
    const owner = owners[Math.floor(rand() ** 3 * owners.length)]!;
    const account = String(100000000000 + Math.floor(rand() * 40)).padStart(12, '0');
    const region = pick(['us-east-1', 'eu-west-1', 'ap-southeast-2', 'us-gov-west-1']);
    const snapName = `${'db-'.repeat(1 + Math.floor(rand() * 80))}${i}`.slice(0, 255);
    const resourceId =
      kind === 'ami'
        ? `ami-${i.toString(16).padStart(17, '0')}`
        : kind === 'ebs-snapshot'
          ? `snap-${i.toString(16).padStart(17, '0')}`
          : `arn:aws:rds:${region}:${owner}:${kind === 'rds-snapshot' ? 'snapshot' : 'cluster-snapshot'}:${snapName}`;
    const nameLen = Math.floor(rand() * 260);
    const name = rand() < 0.2 ? `<!channel> & "${'𝔸<'.repeat(nameLen)}` : 'n'.repeat(nameLen);
    out.push({
      finding: {
        id: findingId(kind, account, region, resourceId),
        kind,
        accountId: account,
        accountName: `acct-${'x'.repeat(Math.floor(rand() * 60))}`,
        region,
        resourceId,
        resourceArn: resourceId,
        ownerAccountId: owner,
        sharedVia: rand() < 0.3 ? 'organization' : 'account',
        name,
        ...(rand() < 0.5 ? { description: '"&<>'.repeat(Math.floor(rand() * 100)) } : {}),
        ...(rand() < 0.2 ? { public: true, deprecationTime: '2024-01-01T00:00:00Z' } : {}),
        createdAt: '2024-05-05T05:05:05Z',
      },
      state: 'open',
      firstSeenAt: '2025-01-01T00:00:00Z',
      lastSeenAt: '2025-01-01T00:00:00Z',
      version: 0,
      ...(rand() < 0.1
        ? {
            sharedAgainAt: '2025-01-01T00:00:00Z',
            previousDecision: {
              decisionId: `d${i}`,
              action: 'remove' as const,
              by: { userId: 'U0ALICE' },
              at: '2024-12-01T00:00:00Z',
              outcome: 'succeeded' as const,
              detail: '&'.repeat(Math.floor(rand() * 500)),
            },
          }
        : {}),
    });
  }
  return out;
}

const owners = (n: number) => Array.from({ length: n }, (_, i) => String(400000000000 + i * 7919));

describe('ownerGroupMessages', () => {
  it('lists each resource with its own Remove button and one Trust button for the owner', () => {
    const records = [
      record({}, { resourceId: 'ami-1' }),
      record({}, { resourceId: 'snap-2', kind: 'ebs-snapshot' }),
      record({}, { resourceId: 'ami-3', sharedVia: 'organization' }),
    ];
    const [m, ...rest] = ownerGroupMessages(OWNER, records);
    expect(rest).toEqual([]);
    expectValid(m!);
    expect(m!.findingIds).toEqual(records.map((r) => r.finding.id));
    const bs = buttons(m!.blocks);
    const removes = bs.filter((b) => b.action_id === ACTIONS.remove);
    expect(removes.map((b) => b.value)).toEqual(records.map((r) => r.finding.id));
    const trusts = bs.filter((b) => b.action_id === ACTIONS.trust);
    expect(trusts).toHaveLength(1);
    expect(trusts[0]!.text!.text).toBe(`Trust account ${OWNER}`);
    expect(records.map((r) => r.finding.id)).toContain(trusts[0]!.value);
    expect(m!.blocks[0]).toMatchObject({
      type: 'header',
      text: { text: `🚨 Untrusted account ${OWNER} shared 3 resources` },
    });
  });

  it('re-renders decided resources with their outcome and no Remove button', () => {
    const records = [
      record(
        {
          state: 'removed',
          decision: {
            decisionId: 'd',
            action: 'remove',
            by: { userId: 'U0ALICE' },
            at: '2025-01-01T00:00:00Z',
            outcome: 'succeeded',
          },
        },
        { resourceId: 'ami-1' },
      ),
      record({}, { resourceId: 'ami-2' }),
    ];
    const m = ownerGroupMessage(OWNER, records);
    expectValid(m);
    expect(
      buttons(m.blocks)
        .filter((b) => b.action_id === ACTIONS.remove)
        .map((b) => b.value),
    ).toEqual([records[1]!.finding.id]);
    expect(textOf(m.blocks)).toContain('✅ *Removed* by <@U0ALICE>');
    const allDone = ownerGroupMessage(OWNER, [records[0]!]);
    expect(buttons(allDone.blocks)).toEqual([]);
  });

  it('splits a large owner into parts that each fit 50 blocks and the character budget', () => {
    const records = many(300, [OWNER], 7);
    const parts = ownerGroupMessages(OWNER, records);
    expect(parts.length).toBeGreaterThan(1);
    parts.forEach((p, i) => {
      expectValid(p);
      expect(p.blocks.length).toBeLessThanOrEqual(LIMITS.blocksPerMessage);
      expect(blocksChars(p.blocks)).toBeLessThanOrEqual(MAX_BLOCKS_CHARS);
      expect(JSON.stringify(p.blocks[0])).toContain(`(part ${i + 1} of ${parts.length})`);
      expect(buttons(p.blocks).filter((b) => b.action_id === ACTIONS.trust)).toHaveLength(1);
    });
    expect(parts.flatMap((p) => p.findingIds)).toEqual(records.map((r) => r.finding.id));
  });

  it('stays within budget when many small findings would exceed 50 blocks', () => {
    const tiny = Array.from({ length: 120 }, (_, i) =>
      record(
        {},
        {
          resourceId: `snap-${i}`,
          kind: 'ebs-snapshot',
          name: undefined,
          accountName: undefined,
          createdAt: undefined,
        },
      ),
    );
    for (const p of ownerGroupMessages(OWNER, tiny)) expectValid(p);
  });
});

function check(records: FindingRecord[], maxMessages: number) {
  const plan = planScanPosts(records, maxMessages);
  expect(plan.posts.length).toBeLessThanOrEqual(Math.max(1, maxMessages));
  const seen = new Set<string>();
  const byId = new Map(records.map((r) => [r.finding.id, r]));
  for (const p of plan.posts) {
    expectValid(p);
    for (const s of allStrings(p.blocks)) expect(s).not.toContain('<!channel>');
    expect(p.text).not.toContain('<!channel>');
    const removeValues = new Set(
      buttons(p.blocks)
        .filter((b) => b.action_id === ACTIONS.remove)
        .map((b) => b.value),
    );
    for (const id of p.findingIds) {
      expect(seen.has(id)).toBe(false); // no finding in two messages
      seen.add(id);
      // Its Remove button is in its message exactly while it is open.
      expect(removeValues.has(id)).toBe(byId.get(id)!.state === 'open');
    }
    for (const b of buttons(p.blocks)) expect(p.findingIds).toContain(b.value); // values are finding ids of this message
  }
  // Every finding is shown or counted, none twice.
  expect(seen.size + plan.overflowCount).toBe(records.length);
  const overflow = plan.posts.filter((p) => p.kind === 'overflow');
  expect(overflow.length).toBe(plan.overflowCount > 0 ? 1 : 0);
  if (overflow[0]) {
    expect(plan.posts.at(-1)).toBe(overflow[0]);
    expect(overflow[0].text).toContain(`${plan.overflowCount} findings were not posted`);
    expect(overflow[0].text).toContain('/shared-scan status');
  }
  return plan;
}

describe('planScanPosts', () => {
  it('posts one message per finding when they fit', () => {
    const records = many(5, owners(3));
    const plan = check(records, 20);
    expect(plan.posts.map((p) => p.kind)).toEqual(Array(5).fill('finding'));
    expect(plan.overflowCount).toBe(0);
  });

  it('groups by owner when there are more findings than messages', () => {
    const records = many(40, owners(3), 3);
    const plan = check(records, 20);
    expect(plan.posts.every((p) => p.kind === 'group')).toBe(true);
    expect(plan.overflowCount).toBe(0);
  });

  it('ends with one overflow message when even the groups are too many', () => {
    const records = many(200, owners(60), 5);
    const plan = check(records, 10);
    expect(plan.posts).toHaveLength(10);
    // Every finding not in the 9 owner groups posted is counted in the overflow message.
    const shown = plan.posts.slice(0, 9).reduce((n, p) => n + p.findingIds.length, 0);
    expect(plan.overflowCount).toBe(200 - shown);
    expect(plan.overflowCount).toBeGreaterThan(0);
    const last = plan.posts.at(-1)!;
    expect(last.kind).toBe('overflow');
    expect(textOf(last.blocks)).toContain('/shared-scan status');
    expect(last.text).toBe(
      `⚠️ ${plan.overflowCount} findings were not posted individually (200 new in this scan; at most 10 messages per scan). See them with /shared-scan status.`,
    );
  });

  it('with a budget of one message, only counts', () => {
    const plan = check(many(30, owners(30), 9), 1);
    expect(plan.posts.map((p) => p.kind)).toEqual(['overflow']);
    expect(plan.overflowCount).toBe(30);
  });

  it('returns nothing for no findings', () => {
    expect(planScanPosts([], 20)).toEqual({ posts: [], overflowCount: 0 });
  });

  // Property-style: 500 findings with varied owners, long names and ARNs, across budgets and seeds.
  it.each([
    [1, 1],
    [2, 5],
    [3, 20],
    [4, 50],
    [5, 200],
    [6, 1000],
  ])(
    '500 findings (seed %i, at most %i messages): bounded, valid, all accounted for',
    (seed, maxMessages) => {
      const records = many(500, owners(1 + Math.floor(rng(seed)() * 120)), seed);
      const plan = check(records, maxMessages);
      if (maxMessages >= 1000) expect(plan.overflowCount).toBe(0);
      const blockCounts = plan.posts.map((p) => p.blocks.length);
      expect(Math.max(...blockCounts)).toBeLessThanOrEqual(50);
    },
  );

  it('keeps mixed states valid (re-render of a scan with decided findings)', () => {
    const states: FindingState[] = ['open', 'removing', 'removed', 'owner-only', 'trusted', 'resolved'];
    const records = many(120, owners(4), 11).map((r, i) => ({
      ...r,
      state: states[i % states.length]!,
      decision: {
        decisionId: `d${i}`,
        action: 'remove' as const,
        by: { userId: 'U0BOB' },
        at: '2025-01-02T00:00:00Z',
        outcome: 'failed' as const,
        detail: '<!channel> '.repeat(100),
      },
    }));
    check(records, 30);
  });
});

describe('re-rendering a posted group after decisions', () => {
  it('still fits: outcome lines never take more room than the Remove buttons they replace', () => {
    const states: FindingState[] = ['removing', 'removed', 'owner-only', 'trusted', 'resolved', 'open'];
    for (const seed of [21, 22, 23]) {
      const records = many(200, [OWNER], seed);
      for (const part of ownerGroupMessages(OWNER, records)) {
        const byId = new Map(records.map((r) => [r.finding.id, r]));
        const decided = part.findingIds.map((id, i) => ({
          ...byId.get(id)!,
          state: states[i % states.length]!,
          resolvedAt: '2025-01-03T00:00:00Z',
          decision: {
            decisionId: `d${i}`,
            action: 'remove' as const,
            by: { userId: 'U0CAROL' },
            at: '2025-01-02T00:00:00Z',
            outcome: (i % 2 ? 'failed' : 'succeeded') as 'failed' | 'succeeded',
            detail: '"\\'.repeat(600),
          },
        }));
        expectValid(ownerGroupMessage(OWNER, decided));
      }
    }
  });
});

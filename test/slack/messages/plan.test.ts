import { describe, expect, it } from 'vitest';
import { RESOURCE_KINDS, findingId, type ResourceKind } from '../../../src/domain/finding.ts';
import type { FindingRecord, FindingState } from '../../../src/domain/lifecycle.ts';
import {
  ACTIONS,
  LIMITS,
  MAX_BLOCKS_CHARS,
  blocksChars,
  decodeReview,
  ownerMessage,
  planScanPosts,
  REVIEW_ACTIONS,
} from '../../../src/slack/messages/index.ts';
import { BLOCK_ACCOUNT_ACTION } from '../../../src/slack/messages/guard.ts';
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

type Obj = Record<string, unknown>;
/** Every button and select in the blocks (the owner messages carry selects too). */
function controls(v: unknown, out: Obj[] = []): Obj[] {
  if (Array.isArray(v)) for (const x of v) controls(x, out);
  else if (v && typeof v === 'object') {
    const o = v as Obj;
    if ((o['type'] === 'button' || o['type'] === 'static_select') && typeof o['action_id'] === 'string')
      out.push(o);
    for (const x of Object.values(o)) controls(x, out);
  }
  return out;
}

/** The owners (and pages) the Review openers of a message lead to. */
function reviewTargets(blocks: unknown): Array<{ o?: string; p: number }> {
  return controls(blocks)
    .filter((c) => String(c['action_id']).startsWith(REVIEW_ACTIONS.open))
    .flatMap((c) =>
      c['type'] === 'button' ? [String(c['value'])] : (c['options'] as Obj[]).map((o) => String(o['value'])),
    )
    .map((v) => decodeReview(v)!)
    .map((s) => ({ ...(s.o ? { o: s.o } : {}), p: s.p }));
}

describe('ownerMessage', () => {
  it('summarises the owner (risk, kinds, where, use) with Review / Trust account / Block account, no Remove per finding', () => {
    const records = [
      record({}, { resourceId: 'ami-1', risk: 'high' }),
      record({}, { resourceId: 'snap-2', kind: 'ebs-snapshot', risk: 'low' }),
      record({}, { resourceId: 'ami-3', sharedVia: 'organization', risk: 'high', accountId: '999988887777' }),
    ];
    const m = ownerMessage(OWNER, records, () => ({ guardMode: 'iam-policy', dryRun: false }));
    expectValid(m);
    expect(m.findingIds).toHaveLength(3);
    const bs = buttons(m.blocks);
    expect(bs.filter((b) => b.action_id === ACTIONS.remove)).toEqual([]);
    const review = bs.find((b) => b.action_id === REVIEW_ACTIONS.open)!;
    expect(review.style).toBe('primary');
    expect(decodeReview(review.value)).toEqual({ v: 1, o: OWNER, p: 0 });
    const trust = bs.filter((b) => b.action_id === ACTIONS.trust);
    expect(trust).toHaveLength(1);
    expect(trust[0]!.style).toBeUndefined(); // a plain button
    expect(records.map((r) => r.finding.id)).toContain(trust[0]!.value);
    expect(bs.filter((b) => b.action_id === BLOCK_ACCOUNT_ACTION)).toHaveLength(1);
    expect(m.blocks[0]).toMatchObject({
      type: 'header',
      text: { text: `⚠️ Untrusted account ${OWNER} shared 3 resources` }, // by its highest risk
    });
    const text = textOf(m.blocks);
    expect(text).toContain('🟠 2 high · ⚪ 1 low');
    expect(text).toContain('2 AMIs · 1 EBS snapshot');
    expect(text).toContain('2 monitored accounts in 1 region');
  });

  it('pages Review when the owner has more findings than a Review page, and says what was decided', () => {
    const records = many(130, [OWNER], 7);
    const m = ownerMessage(OWNER, records, () => ({ guardMode: 'off', dryRun: false }));
    expectValid(m);
    expect(reviewTargets(m.blocks).map((t) => t.p)).toEqual([0, 0, 1, 2, 3]);
    const decided = records.map((r, i) => (i < 10 ? { ...r, state: 'removed' as const } : r));
    const again = ownerMessage(OWNER, decided, () => ({ guardMode: 'off', dryRun: false }));
    expectValid(again);
    expect(textOf(again.blocks)).toContain('10 removed · 120 still open');
    const done = ownerMessage(
      OWNER,
      records.map((r) => ({ ...r, state: 'trusted' as const })),
      () => ({ guardMode: 'off', dryRun: false }),
    );
    expect(buttons(done.blocks)).toEqual([]);
  });

  it('has no confirm dialog before a modal, and keeps it when no modal follows', () => {
    const records = [record({}, { resourceId: 'ami-1' })];
    const plain = Object.assign(() => ({ guardMode: 'iam-policy' as const, dryRun: false }), {
      modalFollows: () => true,
    });
    const withModal = buttons(ownerMessage(OWNER, records, plain).blocks);
    expect(withModal.every((b) => b.confirm === undefined)).toBe(true);
    const without = buttons(
      ownerMessage(OWNER, records, () => ({ guardMode: 'iam-policy', dryRun: false })).blocks,
    );
    expect(without.find((b) => b.action_id === ACTIONS.trust)!.confirm).toBeDefined();
    expect(without.find((b) => b.action_id === BLOCK_ACCOUNT_ACTION)!.confirm).toBeDefined();
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
    const owners = new Set(p.findingIds.map((id) => byId.get(id)!.finding.ownerAccountId));
    for (const id of p.findingIds) {
      expect(seen.has(id)).toBe(false); // no finding in two messages
      seen.add(id);
      // A finding message has its Remove exactly while it is open; owner messages have none (Review has them).
      expect(removeValues.has(id)).toBe(p.kind === 'finding' && byId.get(id)!.state === 'open');
      // …and every finding of an owner or index message is one Review away.
      if (p.kind !== 'finding') expect(owners.size).toBeGreaterThan(0);
    }
    if (p.kind === 'owner' || p.kind === 'owners') {
      // Its owner's Review, or (owners index) "Review all" for the owners its menu has no room for.
      const targets = new Set(reviewTargets(p.blocks).map((t) => t.o));
      for (const o of owners) expect(targets.has(o) || targets.has(undefined)).toBe(true);
    }
    for (const b of buttons(p.blocks))
      if (!b.action_id?.startsWith(REVIEW_ACTIONS.open)) expect(p.findingIds).toContain(b.value); // values are finding ids of this message
  }
  // Every finding is shown or counted, none twice.
  expect(seen.size + plan.overflowCount).toBe(records.length);
  return plan;
}

describe('planScanPosts', () => {
  it('posts one message per finding when they fit', () => {
    const records = many(5, owners(3));
    const plan = check(records, 20);
    expect(plan.posts.map((p) => p.kind)).toEqual(Array(5).fill('finding'));
    expect(plan.overflowCount).toBe(0);
  });

  it('posts one message per owner, most risky first, when there are more findings than messages', () => {
    const base = many(40, owners(3), 3);
    const last = base.findIndex((r) => r.finding.ownerAccountId !== base[0]!.finding.ownerAccountId);
    const worst = base[last]!.finding.ownerAccountId;
    const records = base.map((r, i) => ({
      ...r,
      finding: { ...r.finding, risk: i === last ? ('critical' as const) : ('low' as const) },
    }));
    const plan = check(records, 20);
    expect(plan.posts.every((p) => p.kind === 'owner')).toBe(true);
    expect(plan.overflowCount).toBe(0);
    // The owner with a critical finding comes first and is the one broadcast.
    expect(plan.posts[0]!.text).toContain(worst);
    expect(plan.posts[0]!.critical).toBe(true);
    expect(plan.posts.filter((p) => p.critical).length).toBeLessThanOrEqual(1);
  });

  it('with more owners than messages, one index message reaches the rest: nothing left unposted', () => {
    const records = many(200, owners(60), 5);
    const plan = check(records, 10);
    expect(plan.posts).toHaveLength(10);
    expect(plan.posts.slice(0, 9).every((p) => p.kind === 'owner')).toBe(true);
    const last = plan.posts.at(-1)!;
    expect(last.kind).toBe('owners');
    expect(plan.overflowCount).toBe(0);
    expect(textOf(last.blocks)).toContain('more untrusted owners');
  });

  it('with a budget of one message, the index alone reaches every owner', () => {
    const plan = check(many(30, owners(30), 9), 1);
    expect(plan.posts.map((p) => p.kind)).toEqual(['owners']);
    expect(plan.overflowCount).toBe(0);
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
      expect(plan.overflowCount).toBe(0);
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

describe('re-rendering a posted owner message after decisions', () => {
  it('still fits whatever the states', () => {
    const states: FindingState[] = ['removing', 'removed', 'owner-only', 'trusted', 'resolved', 'open'];
    for (const seed of [21, 22, 23]) {
      const records = many(200, [OWNER], seed);
      const decided = records.map((r, i) => ({
        ...r,
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
      const m = ownerMessage(OWNER, decided, () => ({ guardMode: 'off', dryRun: false }));
      expectValid(m);
      expect(m.blocks.length).toBeLessThanOrEqual(LIMITS.blocksPerMessage);
      expect(blocksChars(m.blocks)).toBeLessThanOrEqual(MAX_BLOCKS_CHARS);
    }
  });
});

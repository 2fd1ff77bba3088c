import { describe, expect, it } from 'vitest';
import type { DecisionSummary, FindingRecord, FindingState } from '../../../src/domain/lifecycle.ts';
import { confirmWords } from '../../../src/remediate/registry.ts';
import {
  ACTIONS,
  findingMessage,
  kindLabel,
  NO_REMEDIATION_VIEW,
} from '../../../src/slack/messages/index.ts';
import { BLOCK_ACCOUNT_ACTION } from '../../../src/slack/messages/guard.ts';
import { allStrings, buttons, expectValid, OWNER, record, textOf } from './fixtures.ts';

const alice = { userId: 'U0ALICE', userName: 'alice' };
const decision = (over: Partial<DecisionSummary> = {}): DecisionSummary => ({
  decisionId: 'd-1',
  action: 'remove',
  by: alice,
  at: '2025-01-11T09:30:00.000Z',
  outcome: 'succeeded',
  ...over,
});

describe('findingMessage', () => {
  it('shows what was shared, by whom, into which account, and two buttons while open', () => {
    const r = record({}, { public: true, description: 'base image' });
    const m = findingMessage(r);
    expectValid(m);
    const text = textOf(m.blocks);
    for (const s of [
      'AMI',
      'ami-0123456789abcdef0',
      'golden-base-2024',
      OWNER,
      'prod',
      '111122223333',
      'us-east-1',
    ]) {
      expect(text).toContain(s);
    }
    expect(text).toContain('directly with the account');
    expect(text).toContain('<!date^1709287200^{date_short_pretty}|2024-03-01>');
    expect(text).toContain('also public');
    expect(m.text).toContain('ami-0123456789abcdef0');

    // Remove is the primary, danger-styled action; Trust a plain button (issue 23).
    const [remove, trust, block, ...rest] = buttons(m.blocks);
    expect(rest).toEqual([]);
    expect(trust).toMatchObject({ action_id: ACTIONS.trust, value: r.finding.id });
    expect(trust!.style).toBeUndefined();
    // Block account, as documented (issue 20): the owner's, with a confirm saying what the guard does.
    expect(block).toMatchObject({ action_id: BLOCK_ACCOUNT_ACTION, value: r.finding.id, style: 'danger' });
    expect(block!.text!.text).toBe(`Block account ${OWNER}`);
    expect(trust!.text!.text).toBe(`Trust account ${OWNER}`);
    expect(remove).toMatchObject({ action_id: ACTIONS.remove, value: r.finding.id, style: 'danger' });
    expect(remove!.text!.text).toBe('Remove');
    expect(remove!.confirm).toMatchObject({
      text: { type: 'plain_text', text: confirmWords('remove', r.finding, NO_REMEDIATION_VIEW(r.finding)) },
      style: 'danger',
      confirm: { text: 'Remove' },
      deny: { text: 'Cancel' },
    });
  });

  it('labels every kind and says how it was shared', () => {
    expect(kindLabel('ami')).toBe('AMI');
    expect(kindLabel('ebs-snapshot')).toBe('EBS snapshot');
    expect(kindLabel('rds-snapshot')).toBe('RDS DB snapshot');
    expect(kindLabel('rds-cluster-snapshot')).toBe('RDS cluster snapshot');
    const org = findingMessage(record({}, { sharedVia: 'organization' }));
    expect(textOf(org.blocks)).toContain('through an organization or OU');
    const rds = findingMessage(
      record(
        {},
        {
          kind: 'rds-snapshot',
          resourceId: `arn:aws:rds:us-east-1:${OWNER}:snapshot:db1`,
          engine: 'postgres',
          sizeGiB: 20,
          encrypted: true,
        },
      ),
    );
    expectValid(rds);
    expect(textOf(rds.blocks)).toContain('RDS DB snapshot');
    expect(textOf(rds.blocks)).toContain('postgres · 20 GiB · encrypted');
    // Owner-only: the confirm dialog says so honestly.
    const [remove] = buttons(rds.blocks);
    expect(remove!.confirm).toMatchObject({
      title: { text: 'Only the owner can unshare this' },
      confirm: { text: 'Record decision' },
    });
  });

  it('marks deprecation relative to the scan that saw it (pure)', () => {
    const past = findingMessage(record({}, { deprecationTime: '2024-12-01T00:00:00Z' }));
    expect(textOf(past.blocks)).toContain('deprecated since');
    const future = findingMessage(record({}, { deprecationTime: '2030-01-01T00:00:00Z' }));
    expect(textOf(future.blocks)).toContain('deprecation set for');
    const notAllowed = findingMessage(record({}, { imageAllowed: false }));
    expect(textOf(notAllowed.blocks)).toContain('not allowed by Allowed AMIs');
  });

  const outcomes: Array<[FindingState, DecisionSummary | undefined, RegExp[]]> = [
    ['removing', decision({ outcome: 'pending' }), [/⏳ \*Removing\*/, /<@U0ALICE>/]],
    [
      'removed',
      decision({ detail: 'launch permission cancelled' }),
      [/✅ \*Removed\* by <@U0ALICE> <!date\^1736587800\^/, /launch permission cancelled/],
    ],
    ['trusted', decision({ action: 'trust' }), [/🛡 \*Trusted\* by <@U0ALICE>/, /trust list/]],
    [
      'owner-only',
      decision({ outcome: 'owner-only' }),
      [
        /ℹ️ \*Remove approved\* by <@U0ALICE>/,
        /AWS lets a recipient remove nothing here/,
        /only the owner `444455556666` can unshare it/,
      ],
    ],
    [
      'revoked',
      decision({ outcome: 'revoked-at-source', detail: 'account removed at the source' }),
      [/✅ \*Revoked at the source\* by <@U0ALICE>/, /account removed at the source/],
    ],
    [
      'deleted',
      decision({ action: 'delete-at-source', outcome: 'deleted-at-source', detail: 'deregistered' }),
      [/🗑 \*Deleted at the source\* by <@U0ALICE>/, /deregistered/],
    ],
    [
      'blocked',
      decision({ outcome: 'blocked', detail: 'policy ShareGuardBlocked in 111122223333 denies it' }),
      [/⛔ \*Blocked\* by <@U0ALICE>/, /ShareGuardBlocked in 111122223333/],
    ],
    [
      'recorded',
      decision({ outcome: 'recorded', detail: 'guard off; only the owner can unshare it' }),
      [/ℹ️ \*Remove recorded\* by <@U0ALICE>/, /only the owner can unshare it/],
    ],
    ['resolved', undefined, [/✔️ \*Resolved\*/, /no longer shared with this account/]],
    ['resolved', decision(), [/✔️ \*Resolved\*/, /Earlier: ✅ removed by <@U0ALICE>/]],
  ];
  it.each(outcomes)('once %s, the buttons give way to the outcome line', (state, d, patterns) => {
    const r = record({ state, ...(d ? { decision: d } : {}), resolvedAt: '2025-01-12T00:00:00Z' });
    const m = findingMessage(r);
    expectValid(m);
    // A resource its own Remove blocked offers Unblock (issue 20); nothing else comes back.
    expect(buttons(m.blocks).map((b) => b.action_id)).toEqual(state === 'blocked' ? [ACTIONS.unblock] : []);
    const text = textOf(m.blocks);
    for (const p of patterns) expect(text).toMatch(p);
  });

  it('after a failed removal says what AWS answered and offers the buttons again', () => {
    const r = record({
      state: 'open',
      decision: decision({ outcome: 'failed', detail: 'UnauthorizedOperation: You are not authorized <x>' }),
    });
    const m = findingMessage(r);
    expectValid(m);
    const text = textOf(m.blocks);
    expect(text).toContain('⚠️ *Removal failed* by <@U0ALICE>');
    expect(text).toContain('UnauthorizedOperation: You are not authorized &lt;x&gt;');
    expect(text).toContain('You can try again.');
    expect(text).toContain('You can try again');
    expect(buttons(m.blocks).map((b) => b.action_id)).toEqual([
      ACTIONS.remove,
      ACTIONS.trust,
      BLOCK_ACCOUNT_ACTION,
    ]);
  });

  it('says "shared again", naming the previous decision (who, when, what)', () => {
    const r: FindingRecord = record({
      sharedAgainAt: '2025-02-01T12:00:00.000Z',
      previousDecision: decision({ detail: 'launch permission cancelled' }),
    });
    const m = findingMessage(r);
    expectValid(m);
    expect(m.blocks[0]).toMatchObject({
      type: 'header',
      text: { text: `🔁 AMI shared again by account ${OWNER}` },
    });
    const text = textOf(m.blocks);
    expect(text).toMatch(
      /🔁 \*Shared again\* <!date\^1738411200\^[^>]+>\. Previously ✅ removed by <@U0ALICE> <!date\^1736587800\^/,
    );
    expect(text).toContain('launch permission cancelled');
    expect(buttons(m.blocks)).toHaveLength(3);
    expect(m.text).toContain('Shared again');

    const noDecision = findingMessage(record({ sharedAgainAt: '2025-02-01T12:00:00.000Z' }));
    expect(textOf(noDecision.blocks)).toContain('no decision was recorded then');
  });

  it('escapes attacker-controlled data: a name like <!channel> pings nobody', () => {
    const evil = '<!channel> <@U999> <https://evil.example|click> & `x`\n✅ *Removed* by <@U0BOSS>\u202e';
    const r = record(
      { decision: decision({ outcome: 'failed', detail: '<!here> denied' }) },
      { name: evil, description: evil, ownerAlias: '<!everyone>', engine: '<!subteam^S1>' },
    );
    const m = findingMessage(r);
    expectValid(m);
    const strings = [...allStrings(m.blocks), m.text];
    for (const s of strings) {
      expect(s).not.toMatch(/<!(channel|here|everyone|subteam)/);
      expect(s).not.toContain('<@U999>');
      expect(s).not.toContain('<@U0BOSS>');
      expect(s).not.toContain('<https://evil');
      expect(s).not.toContain('\u202e');
    }
    const text = textOf(m.blocks);
    expect(text).toContain('&lt;!channel&gt;');
    // The name cannot start a line of its own (no fake outcome line).
    expect(text).not.toMatch(/\n✅ \*Removed\*/);
    // Only our own mention survives.
    expect(text).toContain('<@U0ALICE>');
  });

  it('never builds a mention from a user id that is not one', () => {
    const m = findingMessage(
      record({ state: 'removed', decision: decision({ by: { userId: '!channel' } }) }),
    );
    expect(textOf(m.blocks)).not.toContain('<@!channel>');
    expect(textOf(m.blocks)).toContain('!channel');
  });

  it('stays within every limit with huge names, descriptions, ARNs and AWS errors', () => {
    const long = '𝔸'.repeat(400) + '&<>'.repeat(300);
    const r = record(
      {
        decision: decision({ outcome: 'failed', detail: long }),
        sharedAgainAt: '2025-02-01T00:00:00Z',
        previousDecision: decision({ detail: long }),
      },
      {
        kind: 'rds-cluster-snapshot',
        resourceId: `arn:aws:rds:us-east-1:${OWNER}:cluster-snapshot:${'x'.repeat(255)}`,
        name: long,
        description: long,
        ownerAlias: long,
        engine: long,
      },
    );
    const m = findingMessage(r);
    expectValid(m);
    for (const b of buttons(m.blocks)) expect(b.value).toBe(r.finding.id);
    // No lone surrogate anywhere (a cut pair would show as a replacement character).
    for (const s of allStrings(m.blocks))
      expect(s).toMatch(/^(?:[^\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/);
  });
});

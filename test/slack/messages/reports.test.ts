import { describe, expect, it } from 'vitest';
import type { DecisionRecord, TrustEntry } from '../../../src/domain/lifecycle.ts';
import type { ScanResult } from '../../../src/scan/scan.ts';
import type { TargetResult } from '../../../src/scan/target-result.ts';
import {
  digestMessage,
  helpMessage,
  progressMessage,
  refusalMessage,
  scanSummaryMessage,
  statusMessage,
  trustedListMessage,
  usageMessage,
} from '../../../src/slack/messages/index.ts';
import { allStrings, buttons, expectValid, record, textOf } from './fixtures.ts';

const noPings = (m: { text: string; blocks: unknown[] }) => {
  for (const s of [m.text, ...allStrings(m.blocks)])
    expect(s).not.toMatch(/<!(channel|here|everyone)|<@U999>/);
};

function result(targets: TargetResult[], findings = 3): ScanResult {
  return {
    findings: [],
    targets,
    summary: {
      findings,
      trustedSkipped: 4,
      targetsScanned: targets.filter((t) => t.status === 'ok').length,
      targetsFailed: targets.filter((t) => t.status !== 'ok').length,
      accountsScanned: 5,
      accountsWithFindings: 2,
    },
    startedAt: '2025-01-01T00:00:00Z',
    durationMs: 12_345,
  };
}

describe('progressMessage', () => {
  it('says how far the scan is and how many accounts are still being resolved', () => {
    const m = progressMessage(
      { done: 12, total: 51, accountsResolved: 7, accountsTotal: 10, failed: 1 },
      'all accounts',
    );
    expectValid(m);
    expect(m.text).toContain('Scanning all accounts: 12 of 51 account-regions…');
    expect(m.text).toContain('regions of 3 of 10 accounts still being listed');
    expect(m.text).toContain('1 failed so far');
    const done = progressMessage(
      { done: 51, total: 51, accountsResolved: 10, accountsTotal: 10, failed: 0 },
      '<!channel>',
    );
    expect(done.text).not.toContain('still being listed');
    noPings(done);
    // Before any region is known: no "0/0 account-regions" (issue 23).
    const start = progressMessage(
      { done: 0, total: 0, accountsResolved: 0, accountsTotal: 300, failed: 0 },
      'all accounts',
    );
    expect(start.text).toBe('⏳ Scanning all accounts: listing the regions of 300 accounts…');
  });
});

describe('scanSummaryMessage', () => {
  it('summarises in one line', () => {
    const m = scanSummaryMessage(
      result([{ accountId: '111122223333', region: 'us-east-1', status: 'ok' }]),
      { new: 2, sharedAgain: 1, resolved: 1, posted: 3 },
      'all accounts',
    );
    expectValid(m);
    expect(m.text).toMatch(
      /^✅ Scan of all accounts finished in 12\.3 s: 3 untrusted shares in 2 of 5 accounts \(2 new, 1 shared again, 1 resolved; 3 posted\)/,
    );
    expect(m.blocks).toHaveLength(1);
  });

  it('counts accounts out of all asked for: an account that failed entirely stays in the total', () => {
    const targets: TargetResult[] = [
      ...Array.from({ length: 299 }, (_, i): TargetResult => ({
        accountId: String(100000000000 + i),
        region: 'us-east-1',
        status: 'ok',
      })),
      { accountId: '555555555555', status: 'account-failed', error: 'AccessDenied' },
    ];
    const r = result(targets);
    r.summary.accountsScanned = 299; // the failed account is not "scanned"
    r.summary.accountsWithFindings = 285;
    const m = scanSummaryMessage(r, { new: 3, sharedAgain: 0, resolved: 0, posted: 3 }, 'all');
    expect(m.text).toContain('in 285 of 300 accounts (1 could not be scanned)');
  });

  it('names the first 10 failed targets (account, region, error), then "and N more"', () => {
    const failed: TargetResult[] = Array.from({ length: 14 }, (_, i): TargetResult => {
      const accountId = String(200000000000 + i);
      const error =
        i === 1
          ? '<!channel> AccessDenied '.repeat(50)
          : 'AccessDenied: not authorized to perform sts:AssumeRole';
      if (i === 0) return { accountId, accountName: 'legacy', status: 'account-failed', error };
      return { accountId, region: 'eu-west-1', status: 'region-failed', failures: [{ kind: 'ami', error }] };
    });
    const m = scanSummaryMessage(
      result(failed),
      { new: 0, sharedAgain: 0, resolved: 0, posted: 0 },
      'everything',
    );
    expectValid(m);
    noPings(m);
    const text = textOf(m.blocks);
    expect(m.text.startsWith('⚠️')).toBe(true);
    expect(text).toContain('legacy `200000000000` all regions: AccessDenied');
    expect(text).toContain('`200000000009` eu-west-1');
    expect(text).not.toContain('`200000000010`');
    expect(text).toContain('…and 4 more');
  });
});

describe('digestMessage', () => {
  const decisions: DecisionRecord[] = [
    {
      decisionId: 'd1',
      action: 'remove',
      findingId: 'ami:111122223333:us-east-1:ami-1',
      ownerAccountId: '444455556666',
      by: { userId: 'U0ALICE' },
      at: '2025-01-02T00:00:00Z',
      outcome: 'succeeded',
    },
    {
      decisionId: 'd2',
      action: 'trust',
      ownerAccountId: '777788889999',
      by: { userId: 'U0BOB' },
      at: '2025-01-02T01:00:00Z',
      outcome: 'succeeded',
    },
    {
      decisionId: 'd3',
      action: 'remove',
      findingId: 'ebs-snapshot:111122223333:us-east-1:snap-1',
      ownerAccountId: '444455556666',
      by: { userId: 'U0BOB' },
      at: '2025-01-02T02:00:00Z',
      outcome: 'owner-only',
    },
    {
      decisionId: 'd4',
      action: 'remove',
      findingId: 'ami:1:us-east-1:ami-2',
      by: { userId: 'U0BOB' },
      at: '2025-01-02T03:00:00Z',
      outcome: 'failed',
      detail: '<!here> InvalidAMIID.NotFound',
    },
  ];

  it('lists open findings, decisions and counts', () => {
    const m = digestMessage({
      since: '2025-01-01T09:00:00Z',
      open: [
        record({}, { name: '<!channel>' }),
        record({ sharedAgainAt: '2025-01-02T00:00:00Z' }, { resourceId: 'ami-2' }),
      ],
      decisions,
      resolved: 3,
      lastScan: { at: '2025-01-02T06:00:00Z', summary: result([]).summary },
    });
    expectValid(m);
    noPings(m);
    expect(buttons(m.blocks)).toEqual([]);
    const text = textOf(m.blocks);
    expect(text).toContain(
      '*2 open findings* waiting for a decision (1 shared again), 4 decisions taken, 3 resolved',
    );
    expect(text).toContain('✅ <@U0ALICE> removed AMI `ami-1` in `111122223333` us-east-1');
    expect(text).toContain('🛡 <@U0BOB> trusted account `777788889999`');
    expect(text).toContain('only the owner `444455556666` can unshare it');
    expect(text).toContain('it failed: &lt;!here&gt; InvalidAMIID.NotFound');
    expect(text).toContain('Last scan');
  });

  it('stays bounded with thousands of open findings and decisions', () => {
    const open = Array.from({ length: 3000 }, (_, i) =>
      record(
        {},
        { resourceId: `ami-${i}`, name: '&'.repeat(200), ownerAccountId: String(400000000000 + (i % 37)) },
      ),
    );
    const many = Array.from({ length: 2000 }, (_, i) => ({
      ...decisions[i % 4]!,
      decisionId: `d${i}`,
      detail: '"'.repeat(300),
    }));
    const m = digestMessage({ since: '2025-01-01T00:00:00Z', open, decisions: many, resolved: 10 });
    expectValid(m);
    const text = textOf(m.blocks);
    expect(text).toContain('*3000 open findings*');
    expect(text).toMatch(/…and \d+ more open\. See them all with `\/shared-scan status`/);
    expect(text).toContain('…and 27 more owners');
  });

  it('says when nothing is open', () => {
    const m = digestMessage({ since: '2025-01-01T00:00:00Z', open: [], decisions: [], resolved: 0 });
    expectValid(m);
    expect(textOf(m.blocks)).toContain('Nothing is waiting for a decision');
  });
});

describe('command replies', () => {
  it('help lists the commands and the approvers', () => {
    const m = helpMessage({ approvers: { users: ['U0ALICE', '!channel'], usergroups: ['S0SEC'] } });
    expectValid(m);
    const text = textOf(m.blocks);
    expect(text).toContain('/shared-scan status');
    expect(text).toContain('<@U0ALICE>, !channel, members of <!subteam^S0SEC>');
    expect(text).not.toContain('<@!channel>');
  });

  it('usage and refusal are short and escaped', () => {
    const u = usageMessage('unknown sub-command <!channel>');
    expectValid(u);
    noPings(u);
    expect(u.text).toBe('⚠️ unknown sub-command &lt;!channel&gt;');
    const r = refusalMessage('Only approvers may remove shares. <!everyone>');
    expectValid(r);
    noPings(r);
    expect(r.text.startsWith('🚫 Only approvers')).toBe(true);
  });

  it('status gives complete counts and lists as many findings as fit', () => {
    const open = Array.from({ length: 500 }, (_, i) =>
      record({}, { resourceId: `snap-${i}`, kind: 'ebs-snapshot', name: '<'.repeat(128) }),
    );
    const m = statusMessage({
      open,
      pending: [record({ state: 'removing' })],
      running: {
        scope: 'prod',
        progress: { done: 1, total: 4, accountsResolved: 1, accountsTotal: 1, failed: 0 },
      },
      lastScan: { at: '2025-01-01T00:00:00Z', summary: 'all good' },
      nextScanAt: '2025-01-01T06:00:00Z',
      trustedCount: 3,
    });
    expectValid(m);
    const text = textOf(m.blocks);
    expect(text).toContain('*500 open findings* waiting for a decision');
    expect(text).toContain('1 decided but not closed');
    expect(text).toContain('3 trusted accounts');
    expect(text).toContain('Scanning prod: 1 of 4 account-regions');
    expect(text).toMatch(/…and \d+ more open findings/);
  });

  it('trusted list shows who added each account, bounded', () => {
    const entries: TrustEntry[] = [
      {
        accountId: '444455556666',
        note: 'golden AMIs <!here>',
        addedBy: { userId: 'U0ALICE' },
        addedAt: '2025-01-01T00:00:00Z',
      },
      { accountId: '777788889999', addedBy: { system: 'config' }, addedAt: '2025-01-01T00:00:00Z' },
    ];
    const m = trustedListMessage(entries);
    expectValid(m);
    noPings(m);
    const text = textOf(m.blocks);
    expect(text).toContain('`444455556666` — golden AMIs &lt;!here&gt; · added by <@U0ALICE>');
    expect(text).toContain('`777788889999` · from config');
    expectValid(trustedListMessage([]));
    const big = trustedListMessage(
      Array.from({ length: 1000 }, (_, i) => ({
        ...entries[0]!,
        accountId: String(i),
        note: '&'.repeat(500),
      })),
    );
    expectValid(big);
    expect(textOf(big.blocks)).toMatch(/…and \d+ more\./);
  });
});

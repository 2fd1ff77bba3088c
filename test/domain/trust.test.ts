import { describe, expect, it } from 'vitest';
import { findingId, type Finding } from '../../src/domain/finding.ts';
import { judgeOwner, makeTrustPolicy } from '../../src/domain/trust.ts';

const finding = (owner: string): Finding => ({
  id: findingId('ami', '111111111111', 'us-east-1', `ami-${owner}`),
  kind: 'ami',
  accountId: '111111111111',
  region: 'us-east-1',
  resourceId: `ami-${owner}`,
  resourceArn: '',
  ownerAccountId: owner,
  sharedVia: 'account',
});

describe('trust rules', () => {
  const policy = makeTrustPolicy({
    trusted: [{ accountId: '999999999999', note: 'golden images' }],
    trustMonitoredAccounts: true,
    monitoredAccountIds: ['111111111111', '222222222222'],
  });

  it('drops trusted owners and monitored accounts, keeps the rest', () => {
    const owners = [finding('999999999999'), finding('222222222222'), finding('444444444444')].map(
      (f) => f.ownerAccountId,
    );
    expect(owners.map((o) => judgeOwner(policy, o))).toEqual([
      { trusted: true, reason: 'trust-list' },
      { trusted: true, reason: 'monitored-account' },
      { trusted: false },
    ]);
  });

  it('can stop trusting the monitored accounts', () => {
    const strict = makeTrustPolicy({
      trusted: [],
      trustMonitoredAccounts: false,
      monitoredAccountIds: ['222222222222'],
    });
    expect(judgeOwner(strict, '222222222222')).toEqual({ trusted: false });
    expect(judgeOwner(policy, '222222222222')).toEqual({ trusted: true, reason: 'monitored-account' });
  });
});

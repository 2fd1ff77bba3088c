import { describe, expect, it } from 'vitest';
import type { MonitoredAccount } from '../../src/aws/account.ts';
import { targetJson } from '../../src/scan/report.ts';
import {
  accountFailedResult,
  failureText,
  isFailed,
  listedKinds,
  regionTargetResult,
  type TargetResult,
} from '../../src/scan/target-result.ts';

const PROD: MonitoredAccount = { id: '111111111111', name: 'prod', role: { name: 'ShareGuardScanner' } };
const BARE: MonitoredAccount = { id: '222222222222', role: null };
const KINDS = ['ami', 'ebs-snapshot', 'rds-snapshot'] as const;

describe('regionTargetResult', () => {
  it('is ok when no kind failed', () => {
    expect(regionTargetResult(PROD, 'eu-west-1', [], 3)).toEqual({
      accountId: '111111111111',
      accountName: 'prod',
      region: 'eu-west-1',
      status: 'ok',
    });
    expect(regionTargetResult(BARE, 'eu-west-1', [], 3)).toEqual({
      accountId: '222222222222',
      region: 'eu-west-1',
      status: 'ok',
    });
  });

  it('is partial when some kinds failed, with the failures in kind order', () => {
    const t = regionTargetResult(
      BARE,
      'us-east-1',
      [
        { kind: 'rds-snapshot', error: 'AccessDenied: rds' },
        { kind: 'ami', error: 'Throttling: ec2' },
      ],
      3,
    );
    expect(t).toEqual({
      accountId: '222222222222',
      region: 'us-east-1',
      status: 'partial',
      failures: [
        { kind: 'ami', error: 'Throttling: ec2' },
        { kind: 'rds-snapshot', error: 'AccessDenied: rds' },
      ],
    });
    expect(isFailed(t)).toBe(true);
    expect(listedKinds(t, KINDS)).toEqual(['ebs-snapshot']);
  });

  it('is region-failed when every kind failed', () => {
    const t = regionTargetResult(
      BARE,
      'ap-east-1',
      KINDS.map((kind) => ({ kind, error: 'OptInRequired: not enabled' })),
      3,
    );
    expect(t.status).toBe('region-failed');
    expect(listedKinds(t, KINDS)).toEqual([]);
  });
});

describe('failureText', () => {
  it('gives the one cause alone when every kind failed the same way', () => {
    const t = regionTargetResult(
      BARE,
      'ap-east-1',
      KINDS.map((kind) => ({ kind, error: 'OptInRequired: not enabled' })),
      3,
    );
    expect(isFailed(t) && failureText(t)).toBe('OptInRequired: not enabled');
  });

  it('names each kind when the causes differ, or when only some kinds failed', () => {
    const differing = regionTargetResult(
      BARE,
      'us-east-1',
      [
        { kind: 'ebs-snapshot', error: 'Throttling: slow down' },
        { kind: 'ami', error: 'AccessDenied: no' },
      ],
      2,
    );
    expect(differing.status).toBe('region-failed');
    expect(isFailed(differing) && failureText(differing)).toBe(
      'ami: AccessDenied: no; ebs-snapshot: Throttling: slow down',
    );
    const partial = regionTargetResult(BARE, 'us-east-1', [{ kind: 'ami', error: 'AccessDenied: no' }], 2);
    expect(isFailed(partial) && failureText(partial)).toBe('ami: AccessDenied: no');
  });

  it('is the account’s error when the account failed as a whole', () => {
    const t = accountFailedResult(PROD, 'AccessDenied: sts:AssumeRole');
    expect(t).toEqual({
      accountId: '111111111111',
      accountName: 'prod',
      status: 'account-failed',
      error: 'AccessDenied: sts:AssumeRole',
    });
    expect(failureText(t)).toBe('AccessDenied: sts:AssumeRole');
    expect(listedKinds(t, KINDS)).toEqual([]);
  });
});

describe('targetJson (the documented --json shape, README "--json output")', () => {
  it('writes each outcome as status ok/error, failedKinds, and region "*" for a whole account', () => {
    const targets: TargetResult[] = [
      { accountId: '111111111111', accountName: 'prod', region: 'us-east-1', status: 'ok' },
      {
        accountId: '111111111111',
        region: 'eu-west-1',
        status: 'partial',
        failures: [{ kind: 'rds-snapshot', error: 'AccessDenied: rds' }],
        usageErrors: ['ec2:DescribeInstances: UnauthorizedOperation'],
      },
      {
        accountId: '111111111111',
        region: 'ap-east-1',
        status: 'region-failed',
        failures: [
          { kind: 'ami', error: 'OptInRequired: x' },
          { kind: 'ebs-snapshot', error: 'OptInRequired: x' },
        ],
      },
      {
        accountId: '555555555555',
        accountName: 'legacy',
        status: 'account-failed',
        error: 'AccessDenied: y',
      },
    ];
    expect(JSON.parse(JSON.stringify(targets.map(targetJson)))).toStrictEqual([
      { accountId: '111111111111', accountName: 'prod', region: 'us-east-1', status: 'ok' },
      {
        accountId: '111111111111',
        region: 'eu-west-1',
        status: 'error',
        error: 'rds-snapshot: AccessDenied: rds',
        failedKinds: ['rds-snapshot'],
        usageErrors: ['ec2:DescribeInstances: UnauthorizedOperation'],
      },
      {
        accountId: '111111111111',
        region: 'ap-east-1',
        status: 'error',
        error: 'OptInRequired: x',
        failedKinds: ['ami', 'ebs-snapshot'],
      },
      {
        accountId: '555555555555',
        accountName: 'legacy',
        region: '*',
        status: 'error',
        error: 'AccessDenied: y',
      },
    ]);
  });

  it('keeps the blast-radius counts of a target that was reached', () => {
    expect(
      targetJson({
        accountId: '111111111111',
        region: 'us-east-1',
        status: 'ok',
        notListedInUse: 2,
        hiddenByAllowedAmis: 0,
      }),
    ).toStrictEqual({
      accountId: '111111111111',
      region: 'us-east-1',
      status: 'ok',
      notListedInUse: 2,
      hiddenByAllowedAmis: 0,
    });
  });
});

import { describe, expect, it } from 'vitest';
import { findingId, type Finding, type InUse } from '../../src/domain/finding.ts';
import { impersonates, officialFamilies } from '../../src/domain/official-images.ts';
import {
  RISK_WEIGHTS,
  atLeast,
  compareByRisk,
  rankFindings,
  risk,
  type RiskContext,
} from '../../src/domain/risk.ts';

const NOW = '2026-12-01T00:00:00.000Z';
const ATTACKER = '444444444444';

function ami(name: string, extra: Partial<Finding> = {}): Finding {
  const id = `ami-${Math.abs(hash(name + JSON.stringify(extra)))
    .toString(16)
    .padStart(8, '0')}`;
  return {
    id: findingId('ami', '111111111111', 'us-east-1', id),
    kind: 'ami',
    accountId: '111111111111',
    region: 'us-east-1',
    resourceId: id,
    resourceArn: `arn:aws:ec2:us-east-1::image/${id}`,
    ownerAccountId: ATTACKER,
    sharedVia: 'account',
    name,
    createdAt: '2024-01-01T00:00:00.000Z',
    ...extra,
  };
}

function hash(s: string): number {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}

const running = (n: number): InUse => ({
  instances: {
    count: n,
    items: Array.from({ length: n }, (_, i) => ({ id: `i-00000000000000${i}`, state: 'running' })),
  },
  volumes: { count: 0, items: [] },
  images: { count: 0, items: [] },
  copies: { count: 0, items: [] },
  restores: { count: 0, items: [] },
});

const ctx: RiskContext = { now: NOW };

describe('impersonation of official images (whoAMI)', () => {
  // Names as the vendors publish them, and the owners/aliases they publish from.
  const official: Array<[string, { owner: string; alias?: string }]> = [
    ['ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20241101', { owner: '099720109477' }],
    ['ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250101', { owner: '099720109477' }],
    ['ubuntu-minimal/images/hvm-ssd/ubuntu-jammy-22.04-amd64-minimal-20240101', { owner: '099720109477' }],
    ['ubuntu/images/hvm-ssd/ubuntu-focal-20.04-amd64-server-20240101', { owner: '513442679011' }], // GovCloud
    ['debian-12-amd64-20241004-1890', { owner: '136693071363' }],
    ['debian-stretch-hvm-x86_64-gp2-2022-07-01-66430', { owner: '379101102735' }],
    ['RHEL-9.4.0_HVM-20240605-x86_64-82-Hourly2-GP3', { owner: '309956199498' }],
    ['suse-sles-15-sp6-v20240808-hvm-ssd-x86_64', { owner: '013907871322' }],
    ['al2023-ami-2023.6.20241121.0-kernel-6.1-x86_64', { owner: '137112412989', alias: 'amazon' }],
    ['amzn2-ami-hvm-2.0.20241113.1-x86_64-gp2', { owner: '137112412989', alias: 'amazon' }],
    ['amzn2-ami-ecs-hvm-2.0.20241115-x86_64-ebs', { owner: '591542846629', alias: 'amazon' }],
    ['amazon-eks-node-1.31-v20241121', { owner: '602401143452', alias: 'amazon' }],
    ['bottlerocket-aws-k8s-1.31-x86_64-v1.27.1-efbf2fb9', { owner: '092701018921', alias: 'amazon' }],
    ['Windows_Server-2022-English-Full-Base-2024.11.13', { owner: '801119661308', alias: 'amazon' }],
    [
      'Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) 20241115',
      { owner: '898082745236', alias: 'amazon' },
    ],
    ['Fedora-Cloud-Base-41-1.4.x86_64-hvm-us-east-1-gp3-0', { owner: '125523088429' }],
  ];

  it.each(official)('%s from its publisher is not an impersonation', (name, o) => {
    expect(
      impersonates({ name, ownerAccountId: o.owner, ...(o.alias ? { ownerAlias: o.alias } : {}) }),
    ).toBeUndefined();
  });

  it.each(official)('%s from another owner, without an alias, is one', (name, o) => {
    const v = impersonates({ name, ownerAccountId: ATTACKER });
    // The verdict names the family whose real publisher is the one listed above, by the pattern that matched.
    if (o.alias) expect(v?.family.aliases).toContain(o.alias);
    else expect(v?.family.owners).toContain(o.owner);
    expect(v?.family.patterns).toContain(v?.pattern);
  });

  it('names the vendor and where it really publishes from', () => {
    const r = risk(ami('ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20241101'), ctx);
    expect(r.reasons[0]).toMatchObject({ code: 'impersonation', weight: RISK_WEIGHTS.impersonation });
    expect(r.reasons[0]!.text).toBe(
      `impersonates Ubuntu (Canonical publishes from 099720109477; this one is from ${ATTACKER})`,
    );
    expect(r.level).toBe('high');
  });

  it('Amazon families are judged by the alias, not by an account id', () => {
    // Any account Amazon publishes from carries the alias; an unaliased copy is not Amazon's.
    expect(impersonates({ name: 'al2023-ami-2023.6-x86_64', ownerAccountId: '137112412989' })).toMatchObject({
      family: { id: 'amazon-linux' },
      pattern: 'al2023-ami-*',
    });
    expect(
      impersonates({
        name: 'al2023-ami-2023.6-x86_64',
        ownerAccountId: '123456789012',
        ownerAlias: 'amazon',
      }),
    ).toBeUndefined();
  });

  it('ordinary names are not impersonations', () => {
    for (const name of [
      'golden-ubuntu-22.04',
      'ubuntu-22.04-hardened-cis',
      'sandbox-experiment-gpu',
      'my-rhel-build',
    ])
      expect(impersonates({ name, ownerAccountId: ATTACKER })).toBeUndefined();
  });

  it('config families extend the built-in ones', () => {
    const families = officialFamilies([
      {
        id: 'corp',
        label: 'Corp golden image',
        publisher: 'the platform team publishes from 777777777777',
        patterns: ['corp-golden-*'],
        aliases: [],
        owners: ['777777777777'],
      },
    ]);
    expect(impersonates({ name: 'corp-golden-2024', ownerAccountId: ATTACKER }, families)?.family.id).toBe(
      'corp',
    );
    expect(
      impersonates({ name: 'corp-golden-2024', ownerAccountId: '777777777777' }, families),
    ).toBeUndefined();
    expect(impersonates({ name: 'RHEL-9-x', ownerAccountId: ATTACKER }, families)?.family.id).toBe('rhel');
  });
});

describe('risk(): each reason and its level', () => {
  const db = (extra: Partial<Finding>): Finding => ({
    ...ami('x'),
    kind: 'rds-snapshot',
    resourceId: 'arn:aws:rds:us-east-1:444444444444:snapshot:customers',
    id: 'rds-snapshot:111111111111:us-east-1:arn:aws:rds:us-east-1:444444444444:snapshot:customers',
    name: 'customers',
    engine: 'postgres',
    ...extra,
  });
  const cases: Array<[string, Finding, RiskContext, string[], string]> = [
    ['nothing special', ami('build-42'), ctx, [], 'low'],
    ['impersonation', ami('RHEL-9.4.0_HVM-x86_64'), ctx, ['impersonation'], 'high'],
    [
      'impersonation and in use',
      ami('RHEL-9.4.0_HVM-x86_64', { inUse: running(2) }),
      ctx,
      ['impersonation', 'in-use'],
      'critical',
    ],
    ['in use', ami('build-42', { inUse: running(1) }), ctx, ['in-use'], 'high'],
    ['public', ami('build-42', { public: true }), ctx, ['public'], 'low'],
    [
      'public and deprecated',
      ami('build-42', { public: true, deprecationTime: '2025-01-01T00:00:00.000Z' }),
      ctx,
      ['public', 'deprecated'],
      'medium',
    ],
    [
      'deprecation in the future is not deprecated',
      ami('build-42', { deprecationTime: '2027-01-01T00:00:00.000Z' }),
      ctx,
      [],
      'low',
    ],
    ['unencrypted database snapshot', db({ encrypted: false }), ctx, ['unencrypted-database'], 'medium'],
    ['encrypted database snapshot', db({ encrypted: true }), ctx, [], 'low'],
    [
      'new owner, recent',
      ami('build-42', { createdAt: '2026-11-25T00:00:00.000Z' }),
      { now: NOW, knownOwners: new Set() },
      ['new-owner'],
      'medium',
    ],
    [
      'known owner, recent',
      ami('build-42', { createdAt: '2026-11-25T00:00:00.000Z' }),
      { now: NOW, knownOwners: new Set([ATTACKER]) },
      [],
      'low',
    ],
    [
      'new owner, old image',
      ami('build-42', { createdAt: '2025-01-01T00:00:00.000Z' }),
      { now: NOW, knownOwners: new Set() },
      [],
      'low',
    ],
    [
      'no history: new-owner not applied',
      ami('build-42', { createdAt: '2026-11-25T00:00:00.000Z' }),
      ctx,
      [],
      'low',
    ],
    ['spray', ami('build-42'), { now: NOW, spread: new Map([[ATTACKER, 3]]) }, ['spray'], 'medium'],
    ['below the spray threshold', ami('build-42'), { now: NOW, spread: new Map([[ATTACKER, 2]]) }, [], 'low'],
    [
      'in use, public, new owner',
      ami('build-42', { inUse: running(1), public: true, createdAt: '2026-11-30T00:00:00.000Z' }),
      { now: NOW, knownOwners: new Set() },
      ['in-use', 'new-owner', 'public'],
      'critical',
    ],
  ];
  it.each(cases)('%s', (_name, f, c, codes, level) => {
    const r = risk(f, c);
    expect(r.reasons.map((x) => x.code)).toEqual(codes);
    expect(r.level).toBe(level);
    expect(r.score).toBe(codes.reduce((s, code) => s + RISK_WEIGHTS[code as keyof typeof RISK_WEIGHTS], 0));
  });

  it('says what uses it', () => {
    const r = risk(ami('build-42', { inUse: running(3) }), ctx);
    expect(r.reasons[0]!.text).toBe('in use: 3 running instances');
  });
});

describe('ordering and thresholds', () => {
  it('orders by level, then score, then the usual order', () => {
    const findings = [
      ami('build-1'),
      ami('build-2', { public: true }),
      ami('RHEL-9-x', { inUse: running(1) }),
      ami('build-3', { inUse: running(1) }),
      ami('RHEL-9-y'),
      ami('build-4', { public: true, deprecationTime: '2025-01-01T00:00:00.000Z' }),
    ];
    rankFindings(findings, { now: NOW });
    const sorted = [...findings].sort(compareByRisk);
    expect(sorted.map((f) => [f.name, f.risk])).toEqual([
      ['RHEL-9-x', 'critical'],
      ['RHEL-9-y', 'high'],
      ['build-3', 'high'],
      ['build-4', 'medium'],
      ['build-2', 'low'],
      ['build-1', 'low'],
    ]);
  });

  it('atLeast compares levels', () => {
    expect(atLeast('critical', 'high')).toBe(true);
    expect(atLeast('high', 'high')).toBe(true);
    expect(atLeast('medium', 'high')).toBe(false);
    expect(atLeast(undefined, 'low')).toBe(false);
  });
});

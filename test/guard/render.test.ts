import { describe, expect, it } from 'vitest';
import {
  POLICY_SIZE_LIMIT,
  denyArn,
  guardDenyActions,
  policySize,
  renderGuard,
} from '../../src/guard/render.ts';
import type { BlockedResource } from '../../src/domain/guard.ts';

type R = Pick<BlockedResource, 'kind' | 'region' | 'resourceId' | 'resourceArn'>;
const ami = (id: string, region = 'us-east-1'): R => ({
  kind: 'ami',
  region,
  resourceId: id,
  resourceArn: `arn:aws:ec2:${region}::image/${id}`,
});
const snap = (id: string): R => ({
  kind: 'ebs-snapshot',
  region: 'eu-west-1',
  resourceId: id,
  resourceArn: `arn:aws:ec2:eu-west-1::snapshot/${id}`,
});
const rdsArn = 'arn:aws:rds:us-east-1:444444444444:cluster-snapshot:aurora-orders';
const rds: R = { kind: 'rds-cluster-snapshot', region: 'us-east-1', resourceId: rdsArn, resourceArn: rdsArn };

describe('renderGuard', () => {
  it('denies each kind on its exact ARN with the actions that use it', () => {
    const [p, ...rest] = renderGuard({ resources: [rds, snap('snap-01'), ami('ami-01')], owners: [] }, 'iam');
    expect(rest).toEqual([]);
    expect(p!.name).toBe('ShareGuardBlocked');
    expect(p!.document.Statement).toEqual([
      {
        Sid: 'DenyBlockedImages',
        Effect: 'Deny',
        Action: ['ec2:CopyImage', 'ec2:CreateReplaceRootVolumeTask', 'ec2:RegisterImage', 'ec2:RunInstances'],
        Resource: ['arn:aws:ec2:*::image/ami-01'],
      },
      {
        Sid: 'DenyBlockedSnapshots',
        Effect: 'Deny',
        Action: ['ec2:CopySnapshot', 'ec2:CreateVolume'],
        Resource: ['arn:aws:ec2:*::snapshot/snap-01'],
      },
      {
        Sid: 'DenyBlockedRdsSnapshots',
        Effect: 'Deny',
        Action: [
          'rds:CopyDBClusterSnapshot',
          'rds:CopyDBSnapshot',
          'rds:RestoreDBClusterFromSnapshot',
          'rds:RestoreDBInstanceFromDBSnapshot',
        ],
        Resource: [rdsArn],
      },
    ]);
    expect(p!.resourceArns).toEqual([
      'arn:aws:ec2:*::image/ami-01',
      'arn:aws:ec2:*::snapshot/snap-01',
      rdsArn,
    ]);
  });

  it('never puts a snapshot deny on RunInstances', () => {
    const [p] = renderGuard({ resources: [snap('snap-01')], owners: ['444444444444'] }, 'iam');
    for (const s of p!.document.Statement) {
      if (s.Resource.some((r) => r.includes(':snapshot/')))
        expect(s.Action).not.toContain('ec2:RunInstances');
    }
  });

  it('blocks an owner by ec2:Owner for EC2 and by the ARN account for RDS', () => {
    const [p] = renderGuard(
      { resources: [], owners: ['666666666666', '444444444444', '444444444444'] },
      'scp',
    );
    expect(p!.owners).toEqual(['444444444444', '666666666666']);
    const bySid = Object.fromEntries(p!.document.Statement.map((s) => [s.Sid, s]));
    expect(bySid.DenyImagesOfBlockedOwners).toMatchObject({
      Resource: ['arn:aws:ec2:*::image/*'],
      Condition: { StringEquals: { 'ec2:Owner': ['444444444444', '666666666666'] } },
    });
    expect(bySid.DenyImagesOfBlockedOwners!.Action).toContain('ec2:RunInstances');
    expect(bySid.DenySnapshotsOfBlockedOwners).toMatchObject({
      Action: ['ec2:CopySnapshot', 'ec2:CreateVolume'],
      Resource: ['arn:aws:ec2:*::snapshot/*'],
    });
    expect(bySid.DenyRdsSnapshotsOfBlockedOwners!.Resource).toEqual([
      'arn:aws:rds:*:444444444444:cluster-snapshot:*',
      'arn:aws:rds:*:444444444444:snapshot:*',
      'arn:aws:rds:*:666666666666:cluster-snapshot:*',
      'arn:aws:rds:*:666666666666:snapshot:*',
    ]);
  });

  it('is deterministic: input order and duplicates do not change a byte', () => {
    const a = renderGuard(
      { resources: [ami('ami-02'), ami('ami-01'), snap('snap-9')], owners: ['1'.repeat(12)] },
      'iam',
    );
    const b = renderGuard(
      {
        resources: [snap('snap-9'), ami('ami-01', 'eu-west-1'), ami('ami-02'), ami('ami-01')],
        owners: ['1'.repeat(12)],
      },
      'iam',
    );
    expect(b.map((p) => p.json)).toEqual(a.map((p) => p.json));
  });

  it('renders nothing when nothing is blocked', () => {
    expect(renderGuard({ resources: [], owners: [] }, 'iam')).toEqual([]);
  });

  it('uses the partition of the resource region', () => {
    expect(denyArn(ami('ami-01', 'cn-north-1'))).toBe('arn:aws-cn:ec2:*::image/ami-01');
  });

  it.each([
    ['iam', POLICY_SIZE_LIMIT.iam],
    ['scp', POLICY_SIZE_LIMIT.scp],
  ] as const)(
    'splits %s policies at %i characters into numbered policies, each within the limit',
    (format, limit) => {
      const resources = Array.from({ length: 400 }, (_, i) => ami(`ami-${String(i).padStart(17, '0')}`));
      const policies = renderGuard({ resources, owners: ['444444444444'], policyName: 'Guard' }, format);
      expect(policies.length).toBeGreaterThan(1);
      expect(policies.map((p) => p.name)).toEqual(
        policies.map((_, i) => (i === 0 ? 'Guard' : `Guard-${i + 1}`)),
      );
      for (const p of policies) {
        expect(p.size).toBeLessThanOrEqual(limit);
        expect(p.size).toBe(policySize(JSON.stringify(p.document), format));
      }
      // every resource lands in exactly one policy; the owner in the first
      const all = policies.flatMap((p) => p.resourceArns);
      expect(all).toHaveLength(400);
      expect(new Set(all).size).toBe(400);
      expect(policies[0]!.owners).toEqual(['444444444444']);
      // packing is tight: the next entry would not have fitted
      const first = policies[0]!;
      const withOneMore = renderGuard(
        {
          resources: [...resources.slice(0, first.resourceArns.length + 1)],
          owners: ['444444444444'],
          policyName: 'Guard',
        },
        format,
      );
      expect(withOneMore).toHaveLength(2);
    },
  );

  it('fills exactly to the limit and not a character more', () => {
    // find the count at which one policy becomes two, and check both sides of the boundary
    const resources = Array.from({ length: 300 }, (_, i) => snap(`snap-${String(i).padStart(17, '0')}`));
    const policies = renderGuard({ resources, owners: [] }, 'iam');
    const n = policies[0]!.resourceArns.length;
    const fits = renderGuard({ resources: resources.slice(0, n), owners: [] }, 'iam');
    expect(fits).toHaveLength(1);
    expect(fits[0]!.size).toBeLessThanOrEqual(POLICY_SIZE_LIMIT.iam);
    expect(fits[0]!.size + 'arn:aws:ec2:*::snapshot/snap-00000000000000000'.length + 3).toBeGreaterThan(
      POLICY_SIZE_LIMIT.iam,
    );
  });

  it('names the actions each kind needs denied', () => {
    expect(guardDenyActions('ebs-snapshot')).toEqual(['ec2:CopySnapshot', 'ec2:CreateVolume']);
    expect(guardDenyActions('rds-snapshot')).toContain('rds:RestoreDBInstanceFromDBSnapshot');
  });
});

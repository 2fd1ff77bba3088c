import { KINDS } from '../aws/kinds/index.ts';
import type { GuardFamily } from '../aws/kinds/kind.ts';
import { cmp, type ResourceKind } from '../domain/finding.ts';
import { partitionOf } from '../domain/ids.ts';
import type {
  BlockedResource,
  GuardDocument,
  GuardFormat,
  GuardPolicy,
  GuardStatement,
} from '../domain/guard.ts';

/**
 * The guard: deny statements AWS enforces on the use of blocked images and snapshots (docs/aws.md,
 * "Guard"). Pure and deterministic: the same blocked set always renders the same documents, byte for
 * byte, so applying it twice changes nothing in AWS.
 */

/** Actions that use an AMI. Snapshot denies are kept off RunInstances (docs/aws.md "Guard": Amazon AMIs' snapshots). */
export const IMAGE_DENY_ACTIONS = [
  'ec2:CopyImage',
  'ec2:CreateReplaceRootVolumeTask',
  'ec2:RegisterImage',
  'ec2:RunInstances',
] as const;
/** Actions that read an EBS snapshot as their source (AWS authorizes the source snapshot since 2025). */
export const SNAPSHOT_DENY_ACTIONS = ['ec2:CopySnapshot', 'ec2:CreateVolume'] as const;
/** Restore and copy of RDS snapshots; for a shared encrypted snapshot, copy is the gate. */
export const RDS_DENY_ACTIONS = [
  'rds:CopyDBClusterSnapshot',
  'rds:CopyDBSnapshot',
  'rds:RestoreDBClusterFromSnapshot',
  'rds:RestoreDBInstanceFromDBSnapshot',
] as const;

/** The actions the guard denies on a resource of this kind (what verification must see denied). */
export function guardDenyActions(kind: ResourceKind): string[] {
  return [...GROUP_ACTIONS[KINDS[kind].guard.family]];
}

/** Managed policy: 6,144 characters, whitespace not counted. SCP: 5,120 characters. */
export const POLICY_SIZE_LIMIT: Record<GuardFormat, number> = { iam: 6144, scp: 5120 };
export const DEFAULT_POLICY_NAME = 'ShareGuardBlocked';

/** The ARN a deny statement names for a blocked resource: any region for EC2 (ids are unique), exact for RDS. */
export function denyArn(r: Pick<BlockedResource, 'kind' | 'region' | 'resourceId' | 'resourceArn'>): string {
  const p = partitionOf(r.region);
  switch (KINDS[r.kind].guard.family) {
    case 'image':
      return `arn:${p}:ec2:*::image/${r.resourceId}`;
    case 'snapshot':
      return `arn:${p}:ec2:*::snapshot/${r.resourceId}`;
    case 'rds':
      return r.resourceArn;
  }
}

export interface GuardInput {
  resources: readonly Pick<BlockedResource, 'kind' | 'region' | 'resourceId' | 'resourceArn'>[];
  /** Blocked owner account ids. */
  owners: readonly string[];
  /** Default `ShareGuardBlocked`; further policies are `<name>-2`, `<name>-3`, … */
  policyName?: string;
  /** For the owner statements (resource ARNs carry their own); default `aws`. */
  partition?: string;
}

/** A kind's deny family is declared by its module (`guard.family`, src/aws/kinds). */
type Group = GuardFamily;
const GROUPS: readonly Group[] = ['image', 'snapshot', 'rds'];
const GROUP_ACTIONS: Record<Group, readonly string[]> = {
  image: IMAGE_DENY_ACTIONS,
  snapshot: SNAPSHOT_DENY_ACTIONS,
  rds: RDS_DENY_ACTIONS,
};
const SIDS = {
  image: { owners: 'DenyImagesOfBlockedOwners', resources: 'DenyBlockedImages' },
  snapshot: { owners: 'DenySnapshotsOfBlockedOwners', resources: 'DenyBlockedSnapshots' },
  rds: { owners: 'DenyRdsSnapshotsOfBlockedOwners', resources: 'DenyBlockedRdsSnapshots' },
} as const;

/** What one policy holds while packing. */
interface Bucket {
  owners: string[];
  arns: Record<Group, string[]>;
}

const emptyBucket = (): Bucket => ({ owners: [], arns: { image: [], snapshot: [], rds: [] } });

function documentOf(b: Bucket, partition: string): GuardDocument {
  const statements: GuardStatement[] = [];
  if (b.owners.length) {
    // EC2 image/snapshot ARNs carry no account: scope by the ec2:Owner condition key.
    statements.push({
      Sid: SIDS.image.owners,
      Effect: 'Deny',
      Action: [...IMAGE_DENY_ACTIONS],
      Resource: [`arn:${partition}:ec2:*::image/*`],
      Condition: { StringEquals: { 'ec2:Owner': [...b.owners] } },
    });
    statements.push({
      Sid: SIDS.snapshot.owners,
      Effect: 'Deny',
      Action: [...SNAPSHOT_DENY_ACTIONS],
      Resource: [`arn:${partition}:ec2:*::snapshot/*`],
      Condition: { StringEquals: { 'ec2:Owner': [...b.owners] } },
    });
    // RDS snapshot ARNs carry the owner account.
    statements.push({
      Sid: SIDS.rds.owners,
      Effect: 'Deny',
      Action: [...RDS_DENY_ACTIONS],
      Resource: b.owners.flatMap((o) => [
        `arn:${partition}:rds:*:${o}:cluster-snapshot:*`,
        `arn:${partition}:rds:*:${o}:snapshot:*`,
      ]),
    });
  }
  for (const g of GROUPS) {
    if (!b.arns[g].length) continue;
    statements.push({
      Sid: SIDS[g].resources,
      Effect: 'Deny',
      Action: [...GROUP_ACTIONS[g]],
      Resource: [...b.arns[g]],
    });
  }
  return { Version: '2012-10-17', Statement: statements };
}

/** Characters AWS counts: IAM ignores whitespace; the compact JSON has none outside strings anyway. */
export function policySize(json: string, format: GuardFormat): number {
  return format === 'iam' ? json.replace(/\s/g, '').length : json.length;
}

/**
 * A document that denies nothing real, for a numbered policy the guard no longer needs (AWS keeps at
 * least one statement; the policy is also detached). The AMI id is all zeros: never issued.
 */
export function emptyGuardDocument(partition = 'aws'): GuardDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'NothingBlocked',
        Effect: 'Deny',
        Action: ['ec2:RunInstances'],
        Resource: [`arn:${partition}:ec2:*::image/ami-00000000000000000`],
      },
    ],
  };
}

export function policyName(base: string, index: number): string {
  return index === 0 ? base : `${base}-${index + 1}`;
}

/**
 * Renders the guard for the blocked resources and owners: sorted, de-duplicated, split into numbered
 * policies so each stays within AWS's size limit for the format. Nothing blocked: no policy.
 */
export function renderGuard(input: GuardInput, format: GuardFormat): GuardPolicy[] {
  const partition = input.partition ?? 'aws';
  const base = input.policyName ?? DEFAULT_POLICY_NAME;
  const limit = POLICY_SIZE_LIMIT[format];
  const owners = [...new Set(input.owners)].sort(cmp);
  const arns = new Map<string, Group>();
  for (const r of input.resources) arns.set(denyArn(r), KINDS[r.kind].guard.family);
  type Unit = { owner: string } | { arn: string; group: Group };
  const units: Unit[] = [
    ...owners.map((owner) => ({ owner })),
    ...[...arns.entries()]
      .sort(([a, ga], [b, gb]) => GROUPS.indexOf(ga) - GROUPS.indexOf(gb) || cmp(a, b))
      .map(([arn, group]) => ({ arn, group })),
  ];

  const out: GuardPolicy[] = [];
  let current = emptyBucket();
  let currentUnits = 0;
  const finish = (b: Bucket) => {
    const document = documentOf(b, partition);
    const json = JSON.stringify(document);
    out.push({
      name: policyName(base, out.length),
      format,
      document,
      json,
      size: policySize(json, format),
      resourceArns: GROUPS.flatMap((g) => b.arns[g]),
      owners: [...b.owners],
    });
  };
  const add = (b: Bucket, u: Unit): Bucket => {
    const next: Bucket = { owners: [...b.owners], arns: { ...b.arns } };
    if ('owner' in u) next.owners.push(u.owner);
    else next.arns[u.group] = [...b.arns[u.group], u.arn];
    return next;
  };
  for (const u of units) {
    const candidate = add(current, u);
    const size = policySize(JSON.stringify(documentOf(candidate, partition)), format);
    if (size <= limit) {
      current = candidate;
      currentUnits++;
      continue;
    }
    if (currentUnits === 0) {
      throw new Error(`one guard entry alone exceeds the ${format} policy limit of ${limit} characters`);
    }
    finish(current);
    current = add(emptyBucket(), u);
    currentUnits = 1;
  }
  if (currentUnits > 0) finish(current);
  return out;
}

/**
 * Resource kinds shareguard knows how to find: the ids of the kind registry (src/aws/kinds/index.ts,
 * one module per kind), kept here so the domain stays free of the AWS layer. CONTRIBUTING.md "Add a
 * resource kind".
 */
export const RESOURCE_KINDS = ['ami', 'ebs-snapshot', 'rds-snapshot', 'rds-cluster-snapshot'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/**
 * How the resource reached the monitored account (docs/aws.md §1).
 * - `account`: its permissions name the account directly (known: snapshots can only be shared so;
 *   AMIs when the owner side was read, or the recipient's cancel succeeded).
 * - `organization`: only through an organization or OU share (known from the owner side, or because
 *   `CancelImageLaunchPermission` answered `InvalidAMIID.NotFound` while the AMI stayed visible).
 * - `unknown`: an AMI as listed by a recipient: AWS returns direct and organization/OU shares alike,
 *   so nobody may claim either until one of the above is known.
 */
export const SHARED_VIA = ['account', 'organization', 'unknown'] as const;
export type SharedVia = (typeof SHARED_VIA)[number];

/** "directly or through the organization — AWS does not tell a recipient" and friends, for humans. */
export function sharedViaWords(v: SharedVia): string {
  switch (v) {
    case 'account':
      return 'directly with the account';
    case 'organization':
      return 'through an organization or OU';
    case 'unknown':
      return 'directly or through the organization — AWS does not tell a recipient';
  }
}

/**
 * What a scan lists says nothing about AMI share paths; a path learned earlier (owner side, a cancel
 * attempt) is kept, so a later listing never turns a known value back into `unknown`.
 */
export function keepKnownSharedVia(current: Finding, previous: Finding | undefined): Finding {
  if (!previous || current.sharedVia !== 'unknown' || previous.sharedVia === 'unknown') return current;
  return { ...current, sharedVia: previous.sharedVia };
}

/** A resource shared into a monitored account by another account. Pure data, no SDK types. */
export interface Finding {
  /** Stable across scans: kind + monitored account + region + resource id. */
  id: string;
  kind: ResourceKind;
  accountId: string;
  accountName?: string;
  region: string;
  /** AMI / snapshot id; the ARN for RDS snapshots (names are only unique per owner). */
  resourceId: string;
  resourceArn: string;
  ownerAccountId: string;
  sharedVia: SharedVia;
  name?: string;
  createdAt?: string;
  description?: string;
  /** AMIs: the owner also made it public. */
  public?: boolean;
  /** AMIs: deprecation time, present when set (past = deprecated). */
  deprecationTime?: string;
  /** AMIs in a region where Allowed AMIs runs in audit mode. */
  imageAllowed?: boolean;
  ownerAlias?: string;
  engine?: string;
  encrypted?: boolean;
  sizeGiB?: number;
  // --- risk (issue 9): added after listing by src/scan/enrich.ts and src/domain/risk.ts ---
  /** AMIs: the image this one was copied from (`SourceImageId`), when AWS tells. */
  sourceImageId?: string;
  /**
   * AMIs: not in the account's listing any more (deregistered, unshared, or hidden by Allowed AMIs), found
   * through instances still running from it (`DescribeInstanceImageMetadata`).
   */
  notListed?: boolean;
  /** Who already uses the resource in the monitored account (blast radius); absent when not looked up. */
  inUse?: InUse;
  /** Risk level from `risk()` (src/domain/risk.ts); absent when not ranked. */
  risk?: RiskLevel;
  /** Why, most important first. */
  riskReasons?: RiskReason[];
}

/** Risk levels, most severe first (src/domain/risk.ts). */
export const RISK_LEVELS = ['critical', 'high', 'medium', 'low'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** One reason a finding is risky: a stable code for machines, words for people, its weight in the score. */
export interface RiskReason {
  code: string;
  text: string;
  weight: number;
}

/** One resource that uses a finding: an instance, volume, own AMI, own snapshot copy, or a restore. */
export interface UsageItem {
  id: string;
  /** `running`, `stopped`, `available`, `in-use`… as AWS says. */
  state?: string;
  /** When it started using it (launch time, copy time, restore event time). */
  at?: string;
  /** A name to show beside the id: a launch template's or an Image Builder recipe's ("web 1.0.0"). */
  name?: string;
  /** How it uses it, in words: "latest v3, default v2", "launch template web ($Latest)". */
  detail?: string;
}

/** A count (complete) and the first few items (bounded, for messages). */
export interface UsageList {
  count: number;
  items: UsageItem[];
}

/**
 * Blast radius (docs/aws.md "Who already uses a shared resource"). `unknown` lists the lookups that failed: then the
 * counts are lower bounds, never "not in use".
 */
export interface InUse {
  instances: UsageList;
  volumes: UsageList;
  images: UsageList;
  copies: UsageList;
  restores: UsageList;
  /**
   * What would launch from it next (issue 23), absent on findings stored before these were looked up:
   * launch templates whose latest or default version names it (AMI: `ImageId`; snapshot: a block-device
   * mapping), Auto Scaling groups launching through such a template (their own or a mixed-instances
   * policy's) or a launch configuration naming it, and EC2 Image Builder recipes built on it (AMIs).
   */
  launchTemplates?: UsageList;
  autoScalingGroups?: UsageList;
  imageRecipes?: UsageList;
  unknown?: string[];
}

/** The lists of `InUse` that existing things fill: they keep running or existing after a Remove. */
export const EXISTING_USE = ['instances', 'volumes', 'images', 'copies', 'restores'] as const;
/** The lists of `InUse` that would launch from it next: they fail to launch after a Remove. */
export const LAUNCHERS = ['launchTemplates', 'autoScalingGroups', 'imageRecipes'] as const;
export type UsageListName = (typeof EXISTING_USE)[number] | (typeof LAUNCHERS)[number];

export function findingId(kind: ResourceKind, accountId: string, region: string, resourceId: string): string {
  return `${kind}:${accountId}:${region}:${resourceId}`;
}

/** Deterministic order: account, region, kind, resource. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    cmp(a.accountId, b.accountId) ||
    cmp(a.region, b.region) ||
    RESOURCE_KINDS.indexOf(a.kind) - RESOURCE_KINDS.indexOf(b.kind) ||
    cmp(a.resourceId, b.resourceId)
  );
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

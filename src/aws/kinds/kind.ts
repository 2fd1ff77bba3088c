import type { EC2Client } from '@aws-sdk/client-ec2';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { Finding, ResourceKind } from '../../domain/finding.ts';
import type { RemediationId } from '../../domain/lifecycle.ts';
import type { MonitoredAccount } from '../account.ts';
import type { AwsClients, AwsService, ServiceClient } from '../clients.ts';
import type { CallLog, SourceShares } from './calls.ts';

/** SDK clients acting as one account in one region, made on first use. */
export interface ServiceClients {
  client<S extends AwsService>(service: S): ServiceClient<S>;
  /** Shorthands kept for the blast-radius lookups (src/aws/usage). */
  ec2(): EC2Client;
  rds(): RDSClient;
}

/** What a kind's list function gets: the account-region and lazily made clients for it. */
export interface KindContext extends ServiceClients {
  account: MonitoredAccount;
  region: string;
}

/** One account-region's clients, each made on first use and dropped with the context. */
export function serviceClients(
  clients: AwsClients,
  account: MonitoredAccount,
  region: string,
): ServiceClients {
  const made = new Map<AwsService, ServiceClient<AwsService>>();
  const client = <S extends AwsService>(service: S): ServiceClient<S> => {
    let c = made.get(service);
    if (!c) made.set(service, (c = clients.for(service, account, region)));
    return c as ServiceClient<S>;
  };
  return { client, ec2: () => client('ec2'), rds: () => client('rds') };
}

/** An account-region's kind context (the scan makes one per target). */
export function kindContext(clients: AwsClients, account: MonitoredAccount, region: string): KindContext {
  return { account, region, ...serviceClients(clients, account, region) };
}

/** A note under a finding message: plain words (never markup), optionally followed by a date. */
export interface KindNote {
  text: string;
  /** ISO time, rendered by the message as a date after `text`. */
  date?: string;
}

/** Blast radius (docs/aws.md "Who already uses a shared resource"): what already uses findings of this kind. */
export interface KindUsage {
  /** IAM actions the lookup calls (read-only; `shareguard iam-policy`). */
  actions: readonly string[];
  /**
   * Sets `inUse` on this kind's findings of one account-region; returns the lookups that failed and,
   * for AMIs, findings not listed any more but still in use. Never throws. Kinds that share one lookup
   * (RDS DB and cluster snapshots) name the same function: it runs once per account-region.
   */
  lookup(
    ctx: KindContext,
    findings: readonly Finding[],
    now: Date,
  ): Promise<{ hidden?: Finding[]; errors: string[] }>;
}

/**
 * The AWS calls the remediation rungs make on a resource of this kind (src/remediate/aws-calls.ts
 * dispatches to them), each logged as `"service:Action target → answer"`. They throw AWS's errors;
 * the caller judges them (`notFoundCodes`, DryRunOperation).
 */
export interface KindSource {
  /** Error codes meaning "no such resource" for this kind's calls. */
  notFoundCodes: readonly string[];
  /** EC2 answers `DryRun=true`; RDS has no dry run (the write is then not called at all). */
  dryRun: boolean;
  /** The exact shares, as the owner reads them. */
  readShares(f: Finding, owner: ServiceClients, calls: CallLog): Promise<SourceShares>;
  /** Removes exactly one account from the shares, as the owner (honours `dryRun` as above). */
  removeAccount(
    f: Finding,
    owner: ServiceClients,
    accountId: string,
    dryRun: boolean,
    calls: CallLog,
  ): Promise<void>;
  /** Deletes it as the owner; returns what AWS kept, in words. */
  delete(f: Finding, owner: ServiceClients, dryRun: boolean, calls: CallLog): Promise<{ kept: string }>;
  /** Does it still exist at the source, as the owner lists it? */
  exists(f: Finding, owner: ServiceClients, calls: CallLog): Promise<boolean>;
  /** Does the monitored account still see it shared in? */
  visible(f: Finding, recipient: ServiceClients, calls: CallLog): Promise<boolean>;
  /** IAM actions of the calls above, per call (for the rungs' declared actions and the policy). */
  actions: {
    readShares: readonly string[];
    removeAccount: readonly string[];
    /** `delete` and the `exists` check around it. */
    delete: readonly string[];
    visible: readonly string[];
  };
}

/**
 * A resource kind: everything kind-specific, in one module (CONTRIBUTING.md "Add a resource kind"):
 * how to enumerate what was shared into an account and turn it into a Finding, its words, the service
 * it needs, what already uses it, which remediations apply and the AWS calls they make on it. The
 * registry (./index.ts) lists them; help texts, labels, filters and `shareguard iam-policy` derive
 * from it.
 */
export interface ResourceKindModule<K extends ResourceKind = ResourceKind> {
  kind: K;
  /** Human names, singular and plural: "AMI" / "AMIs", "EBS snapshot" / "EBS snapshots". */
  label: { one: string; many: string };
  /** The regional AWS service its calls go to (`AwsClients.for`). */
  service: AwsService;
  /** IAM actions the scanning role needs to list this kind. */
  scanActions: readonly string[];
  /** Every resource of this kind shared into the account-region by another account (trust not applied). */
  list(ctx: KindContext): Promise<Finding[]>;
  /** Short plain-text details for messages (engine, size, encryption); messages escape them. */
  details(f: Finding): string[];
  /** Kind-specific notes for messages (deprecation…); `asOf` decides what is past. Pure. */
  notes?(f: Finding, asOf: string): KindNote[];
  usage?: KindUsage;
  remediation: {
    /** What Remove walks, strongest first (src/remediate/registry.ts; docs/aws.md "The removal ladder"). */
    remove: readonly RemediationId[];
    /** Organization / OU shares exist for this kind: "Revoke organization share" applies. */
    orgShares: boolean;
  };
  source: KindSource;
  guard: KindGuard;
}

/**
 * How the guard (src/guard, docs/aws.md "Guard") denies the use of a blocked resource of this kind:
 * the deny family whose statements cover it (`image`: EC2 image ARNs and `ec2:Owner`; `snapshot`: EC2
 * snapshot ARNs and `ec2:Owner`; `rds`: RDS snapshot ARNs, which carry the owner), and a resource an
 * owner might share, to verify an owner block without a real share.
 */
export interface KindGuard {
  family: GuardFamily;
  probe(owner: string, region: string, partition: string): { resourceId: string; resourceArn: string };
}
export type GuardFamily = 'image' | 'snapshot' | 'rds';

/** Drains an SDK paginator into one array of items. */
export async function collect<P, T>(
  pages: AsyncIterable<P>,
  items: (page: P) => T[] | undefined,
): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) {
    const batch = items(page);
    if (batch) for (const item of batch) out.push(item);
  }
  return out;
}

export function isoDate(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** Engine, size and encryption when the listing told them: the details most kinds show. */
export function commonDetails(f: Finding): string[] {
  return [
    f.engine ?? '',
    f.sizeGiB !== undefined ? `${f.sizeGiB} GiB` : '',
    f.encrypted === undefined ? '' : f.encrypted ? 'encrypted' : 'not encrypted',
  ].filter(Boolean);
}

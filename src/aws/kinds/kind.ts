import type { EC2Client } from '@aws-sdk/client-ec2';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { Finding, ResourceKind } from '../../domain/finding.ts';
import type { MonitoredAccount } from '../account.ts';

/** What a kind's list function gets: the account-region and lazily made clients for it. */
export interface KindContext {
  account: MonitoredAccount;
  region: string;
  ec2(): EC2Client;
  rds(): RDSClient;
}

/**
 * A resource kind: how to enumerate what was shared into an account, how to turn it into a Finding,
 * and the IAM actions listing needs. What can be done about a finding lives in the remediation registry
 * (src/remediate/registry.ts). Adding a kind is one such module, its ladder there, and its simulator part.
 */
export interface ResourceKindModule {
  kind: ResourceKind;
  /** Human name: "AMI", "EBS snapshot". */
  label: string;
  service: 'ec2' | 'rds';
  /** IAM actions the scanning role needs to list this kind. */
  scanActions: string[];
  /** Every resource of this kind shared into the account-region by another account (trust not applied). */
  list(ctx: KindContext): Promise<Finding[]>;
}

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

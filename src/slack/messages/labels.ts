/**
 * Words for a finding's kind and account, shared by the finding message and the modals. Their own module
 * so finding.ts (which shows the two-person blocks from modals.ts) and modals.ts do not import each other.
 */
import type { Finding, ResourceKind } from '../../domain/finding.ts';
import { code, esc } from './text.ts';

export const KIND_LABELS: Record<ResourceKind, string> = {
  ami: 'AMI',
  'ebs-snapshot': 'EBS snapshot',
  'rds-snapshot': 'RDS DB snapshot',
  'rds-cluster-snapshot': 'RDS cluster snapshot',
};

export function kindLabel(kind: ResourceKind): string {
  return KIND_LABELS[kind] ?? kind;
}

/** `prod 111111111111` (account name escaped: it comes from config, but costs nothing to escape). */
export function accountText(f: Pick<Finding, 'accountId' | 'accountName'>): string {
  return f.accountName ? `${esc(f.accountName, 64)} ${code(f.accountId, 40)}` : code(f.accountId, 40);
}

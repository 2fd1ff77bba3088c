import type { ResourceKind } from '../../domain/finding.ts';
import type { StepOutcome } from '../types.ts';

export const RESOURCE_WORDS: Record<ResourceKind, string> = {
  ami: 'AMI',
  'ebs-snapshot': 'EBS snapshot',
  'rds-snapshot': 'RDS DB snapshot',
  'rds-cluster-snapshot': 'RDS cluster snapshot',
};

export function failed(detail: string, calls: string[]): StepOutcome {
  return { status: 'failed', result: 'error', detail, calls };
}

export const uniq = (xs: readonly string[]): string[] => [...new Set(xs)].sort();

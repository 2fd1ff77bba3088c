import { kindLabel } from '../../aws/kinds/index.ts';
import { RESOURCE_KINDS, type ResourceKind } from '../../domain/finding.ts';
import type { StepOutcome } from '../types.ts';

/** "AMI", "EBS snapshot": the kinds' labels (src/aws/kinds). */
export const RESOURCE_WORDS = Object.fromEntries(RESOURCE_KINDS.map((k) => [k, kindLabel(k)])) as Record<
  ResourceKind,
  string
>;

export function failed(detail: string, calls: string[]): StepOutcome {
  return { status: 'failed', result: 'error', detail, calls };
}

export const uniq = (xs: readonly string[]): string[] => [...new Set(xs)].sort();

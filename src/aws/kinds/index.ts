/**
 * The kind registry: every resource kind shareguard scans, by id. Everything kind-specific is in the
 * kind's module; labels, help texts, the `kind=` filters, the remediation ladders and the IAM policy
 * are derived from here (CONTRIBUTING.md "Add a resource kind").
 */
import { RESOURCE_KINDS, type ResourceKind } from '../../domain/finding.ts';
import { ami } from './ami.ts';
import { ebsSnapshot } from './ebs-snapshot.ts';
import type { ResourceKindModule } from './kind.ts';
import { rdsClusterSnapshot } from './rds-cluster-snapshot.ts';
import { rdsSnapshot } from './rds-snapshot.ts';

/** A registry: each id of `RESOURCE_KINDS` (src/domain/finding.ts) to its module. */
export type KindRegistry = { readonly [K in ResourceKind]: ResourceKindModule<K> };

/** Every resource kind, by id (tsc refuses an id of RESOURCE_KINDS without its module). */
export const KINDS: KindRegistry = {
  ami,
  'ebs-snapshot': ebsSnapshot,
  'rds-snapshot': rdsSnapshot,
  'rds-cluster-snapshot': rdsClusterSnapshot,
};

/** The modules in `RESOURCE_KINDS` order (the order of tables, help texts and policies). */
export function kindModules(kinds: readonly ResourceKind[] = RESOURCE_KINDS): ResourceKindModule[] {
  return kinds.map((k) => KINDS[k]);
}

/** The module of a kind id read back from storage or a payload; undefined for an id no longer known. */
export function findKind(kind: string): ResourceKindModule | undefined {
  return Object.hasOwn(KINDS, kind) ? (KINDS as Record<string, ResourceKindModule>)[kind] : undefined;
}

/** "AMI", "EBS snapshot"; with `count` ≠ 1 the plural: "AMIs". An unknown id (old records) as itself. */
export function kindLabel(kind: ResourceKind, count = 1): string {
  const label = findKind(kind)?.label;
  if (!label) return kind;
  return count === 1 ? label.one : label.many;
}

/** "ami, ebs-snapshot, rds-snapshot, rds-cluster-snapshot": the ids, for help texts and errors. */
export function kindIdsText(): string {
  return RESOURCE_KINDS.join(', ');
}

/** "AMIs, EBS snapshots, RDS DB snapshots and RDS cluster snapshots". */
export function kindsInWords(kinds: readonly ResourceKind[] = RESOURCE_KINDS): string {
  const words = kinds.map((k) => kindLabel(k, 2));
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

export type { KindContext, KindSource, ResourceKindModule } from './kind.ts';

import type { ResourceKind } from '../../domain/finding.ts';
import { ami } from './ami.ts';
import { ebsSnapshot } from './ebs-snapshot.ts';
import type { ResourceKindModule } from './kind.ts';
import { rdsClusterSnapshot } from './rds-cluster-snapshot.ts';
import { rdsSnapshot } from './rds-snapshot.ts';

/** Every resource kind, by name. */
export const KINDS: Record<ResourceKind, ResourceKindModule> = {
  ami,
  'ebs-snapshot': ebsSnapshot,
  'rds-snapshot': rdsSnapshot,
  'rds-cluster-snapshot': rdsClusterSnapshot,
};

export type { ResourceKindModule, KindContext } from './kind.ts';

/**
 * Messages between a scan's calling thread and its worker threads (structured clone, no functions). A worker
 * posts arrays of `FromWorker`, in order (worker.ts batches them); the calling thread posts single `ToWorker`s.
 */
import type { AwsCredentialIdentity } from '@smithy/types';
import type { MonitoredAccount } from '../aws/account.ts';
import type { AwsSettings } from '../aws/clients.ts';
import type { Finding, ResourceKind } from '../domain/finding.ts';
import type { TrustPolicy } from '../domain/trust.ts';
import type { ScanRequest, WorkerTestHooks } from './scan.ts';
import type { RegionTarget } from './target-result.ts';
import type { ConcurrencyLimits } from './adaptive.ts';

export interface WorkerInit {
  /** 1-based, for error messages. */
  index: number;
  /** The calling thread's settings without credentials: a worker asks for those (`creds`). */
  settings: Omit<AwsSettings, 'credentials'>;
  regions: ScanRequest['regions'];
  kinds: readonly ResourceKind[];
  trust: TrustPolicy;
  /** This thread's share of the scan's concurrency limits (adaptive.ts). */
  concurrency: ConcurrencyLimits;
  /** Blast-radius lookups after listing (src/scan/enrich.ts), in the worker like the listings. */
  blastRadius?: boolean;
  testHooks?: WorkerTestHooks;
}

export type FromWorker =
  | { t: 'next'; id: number }
  | { t: 'creds'; id: number }
  | { t: 'resolved'; accountId: string; regions: string[] }
  | { t: 'accountFailed'; accountId: string; error: string }
  | {
      t: 'listed';
      accountId: string;
      region: string;
      kind: ResourceKind;
      untrusted: Finding[];
      trustedSkipped: number;
    }
  | { t: 'target'; result: RegionTarget }
  /** An AWS call that failed after its retries (counted by the calling thread: src/metrics.ts). */
  | { t: 'awsError'; service: string; code?: string }
  | { t: 'done' };

export type ToWorker =
  | { t: 'account'; id: number; account: MonitoredAccount | null }
  | { t: 'creds'; id: number; credentials?: AwsCredentialIdentity; error?: string };

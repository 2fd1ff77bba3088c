import type { MessageRef } from '../domain/message-ref.ts';
import type { ScanSummary } from '../scan/scan.ts';

/**
 * The last scan, as the scan job records it for the digest, App Home and `/shared status`
 * (`Store.putLastScan` / `getLastScan`). One item; the newest scan replaces it.
 */
export interface LastScan {
  at: string;
  /** The scan's counts (a plain string in records of early versions, shown as it is). */
  summary: ScanSummary | string;
  /** What was scanned ("all monitored accounts", or the filters). */
  scope?: string;
  /** The scan's top-level message (its thread holds the findings). */
  message?: MessageRef;
  /**
   * With `organization`: the accounts the last full scan monitored, to tell which are new (12 bytes each:
   * within DynamoDB's 400 KB item for organizations of up to ≈ 25,000 accounts).
   */
  monitoredAccountIds?: string[];
  /** How its findings' posts went. */
  posts?: { posted: number; failed: number; notPosted: number };
}

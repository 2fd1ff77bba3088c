import type { Refusal } from '../domain/intent.ts';
import type { FindingRecord } from '../domain/lifecycle.ts';

/**
 * The refusal of a decision on a finding someone (or a scan) already moved on. Its own module so
 * decisions.ts and ladder.ts both use it without importing each other at run time.
 */
export function alreadyDecided(rec: FindingRecord): Refusal {
  const d = rec.decision;
  return {
    code: 'already-decided',
    state: rec.state,
    resourceId: rec.finding.resourceId,
    accountId: rec.finding.accountId,
    ownerAccountId: rec.finding.ownerAccountId,
    ...(d ? { by: d.by, at: d.at } : {}),
  };
}

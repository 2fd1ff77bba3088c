/**
 * The AWS calls the rungs make, per kind, each logged as `"service:Action target → answer"`.
 * Owner side: read the exact shares, remove one account, remove an organization/OU share, delete.
 * Recipient side: is it still visible to the monitored account? (docs/aws.md §1, §2, §5a)
 * The rungs import them from here; they live in call-log.ts (logging, error judgement),
 * owner-calls.ts and recipient-calls.ts.
 */

export * from './call-log.ts';
export * from './owner-calls.ts';
export * from './recipient-calls.ts';

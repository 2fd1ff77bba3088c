import {
  paginateDescribeDBClusterSnapshots,
  paginateDescribeDBSnapshots,
  paginateDescribeEvents,
} from '@aws-sdk/client-rds';
import type { Finding } from '../../domain/finding.ts';
import { describeAwsError } from '../errors.ts';
import { isoDate, type KindContext } from '../kinds/kind.ts';
import { UsageBook } from './common.ts';

/** RDS keeps events 14 days (docs/aws.md "Who already uses a shared resource"). */
const EVENT_DAYS = 14;
const PAGE_SIZE = 100;

/**
 * Blast radius of shared RDS DB and cluster snapshots in one account-region:
 * - own copies: own manual snapshots whose `SourceDBSnapshotIdentifier` / `SourceDBClusterSnapshotArn`
 *   is the shared snapshot's ARN;
 * - restores: RDS events "Restored from snapshot …" (RDS-EVENT-0043) of the last 14 days naming the
 *   shared snapshot's ARN (a shared snapshot is restored by its ARN).
 * DB instances and clusters carry no source-snapshot field, so nothing else tells. Never throws.
 */
export async function rdsUsage(
  ctx: KindContext,
  findings: readonly Finding[],
  now: Date = new Date(),
): Promise<string[]> {
  const db = findings.filter((f) => f.kind === 'rds-snapshot');
  const cluster = findings.filter((f) => f.kind === 'rds-cluster-snapshot');
  if (db.length === 0 && cluster.length === 0) return [];
  const book = new UsageBook([...db, ...cluster]);
  const errors: string[] = [];
  const client = ctx.rds();
  const fail = (what: string, err: unknown) => {
    const e = `${what}: ${describeAwsError(err)}`;
    errors.push(e);
    book.unknown(e);
  };

  if (db.length)
    try {
      for await (const page of paginateDescribeDBSnapshots(
        { client, pageSize: PAGE_SIZE },
        { SnapshotType: 'manual' },
      ))
        for (const s of page.DBSnapshots ?? []) {
          const source = s.SourceDBSnapshotIdentifier;
          if (!s.DBSnapshotArn || !source || !book.has(source)) continue;
          book.add(source, 'copies', {
            id: s.DBSnapshotArn,
            ...(s.Status ? { state: s.Status } : {}),
            ...(isoDate(s.SnapshotCreateTime) ? { at: isoDate(s.SnapshotCreateTime)! } : {}),
          });
        }
    } catch (err) {
      fail('rds:DescribeDBSnapshots (own copies)', err);
    }
  if (cluster.length)
    try {
      for await (const page of paginateDescribeDBClusterSnapshots(
        { client, pageSize: PAGE_SIZE },
        { SnapshotType: 'manual' },
      ))
        for (const s of page.DBClusterSnapshots ?? []) {
          const source = s.SourceDBClusterSnapshotArn;
          if (!s.DBClusterSnapshotArn || !source || !book.has(source)) continue;
          book.add(source, 'copies', {
            id: s.DBClusterSnapshotArn,
            ...(s.Status ? { state: s.Status } : {}),
            ...(isoDate(s.SnapshotCreateTime) ? { at: isoDate(s.SnapshotCreateTime)! } : {}),
          });
        }
    } catch (err) {
      fail('rds:DescribeDBClusterSnapshots (own copies)', err);
    }

  try {
    const arns = [...db, ...cluster].map((f) => f.resourceId);
    for await (const page of paginateDescribeEvents(
      { client, pageSize: PAGE_SIZE },
      { StartTime: new Date(now.getTime() - EVENT_DAYS * 24 * 60 * 60_000), EndTime: now },
    ))
      for (const e of page.Events ?? []) {
        const message = e.Message ?? '';
        if (!/restored from (db |cluster )?snapshot/i.test(message) || !e.SourceIdentifier) continue;
        for (const arn of arns)
          if (message.includes(arn))
            book.add(arn, 'restores', {
              id: e.SourceIdentifier,
              ...(e.SourceType ? { state: e.SourceType } : {}),
              ...(isoDate(e.Date) ? { at: isoDate(e.Date)! } : {}),
            });
      }
  } catch (err) {
    fail('rds:DescribeEvents', err);
  }
  book.applyTo([...db, ...cluster]);
  return errors;
}

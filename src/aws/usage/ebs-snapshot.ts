import { paginateDescribeImages, paginateDescribeVolumes } from '@aws-sdk/client-ec2';
import type { Finding } from '../../domain/finding.ts';
import { describeAwsError } from '../errors.ts';
import { isoDate, type KindContext } from '../kinds/kind.ts';
import { UsageBook, chunks } from './common.ts';

const FILTER_VALUES_MAX = 200;
const PAGE_SIZE = 500;

/**
 * Blast radius of shared EBS snapshots in one account-region: volumes created from them
 * (`DescribeVolumes` filter `snapshot-id`) and own AMIs built on them (`DescribeImages Owners=self`
 * filter `block-device-mapping.snapshot-id`). Failures mark the usage unknown; never throws.
 */
export async function ebsSnapshotUsage(ctx: KindContext, findings: readonly Finding[]): Promise<string[]> {
  const snaps = findings.filter((f) => f.kind === 'ebs-snapshot');
  if (snaps.length === 0) return [];
  const book = new UsageBook(snaps);
  const errors: string[] = [];
  const client = ctx.ec2();
  const batches = chunks(
    snaps.map((f) => f.resourceId),
    FILTER_VALUES_MAX,
  );
  try {
    for (const batch of batches)
      for await (const page of paginateDescribeVolumes(
        { client, pageSize: PAGE_SIZE },
        { Filters: [{ Name: 'snapshot-id', Values: batch }] },
      ))
        for (const v of page.Volumes ?? []) {
          if (!v.VolumeId || !v.SnapshotId || v.State === 'deleted' || v.State === 'deleting') continue;
          book.add(v.SnapshotId, 'volumes', {
            id: v.VolumeId,
            ...(v.State ? { state: v.State } : {}),
            ...(isoDate(v.CreateTime) ? { at: isoDate(v.CreateTime)! } : {}),
          });
        }
  } catch (err) {
    const e = `ec2:DescribeVolumes: ${describeAwsError(err)}`;
    errors.push(e);
    book.unknown(e);
  }
  try {
    for (const batch of batches)
      for await (const page of paginateDescribeImages(
        { client, pageSize: 1000 },
        {
          Owners: ['self'],
          IncludeDeprecated: true,
          Filters: [{ Name: 'block-device-mapping.snapshot-id', Values: batch }],
        },
      ))
        for (const img of page.Images ?? []) {
          if (!img.ImageId) continue;
          for (const bdm of img.BlockDeviceMappings ?? []) {
            const snap = bdm.Ebs?.SnapshotId;
            if (snap && book.has(snap))
              book.add(snap, 'images', {
                id: img.ImageId,
                ...(img.State ? { state: img.State } : {}),
                ...(isoDate(img.CreationDate) ? { at: isoDate(img.CreationDate)! } : {}),
              });
          }
        }
  } catch (err) {
    const e = `ec2:DescribeImages (own AMIs): ${describeAwsError(err)}`;
    errors.push(e);
    book.unknown(e);
  }
  book.applyTo(snaps);
  return errors;
}

import { paginateDescribeVolumes } from '@aws-sdk/client-ec2';
import type { Finding } from '../../domain/finding.ts';
import { describeAwsError } from '../errors.ts';
import { isoDate, type KindContext } from '../kinds/kind.ts';
import { UsageBook, chunks } from './common.ts';
import { launcherUsage } from './launchers.ts';
import { ownImagesFor } from './own-images.ts';

const FILTER_VALUES_MAX = 200;
const PAGE_SIZE = 500;

/**
 * Blast radius of shared EBS snapshots in one account-region: volumes created from them
 * (`DescribeVolumes` filter `snapshot-id`, ≤ 200 ids a call) and own AMIs built on them (a block-device
 * mapping's snapshot, from the account-region's own AMIs, `ownImagesFor`), and the launch templates and
 * Auto Scaling groups whose block devices name them (`launcherUsage`). Failures mark the usage
 * unknown; never throws.
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
  const ownImages = await ownImagesFor(ctx, findings);
  if ('error' in ownImages) {
    errors.push(ownImages.error);
    book.unknown(ownImages.error);
  } else
    for (const img of ownImages.images) {
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
  book.applyTo(snaps);
  // Launch templates (and the Auto Scaling groups through them) whose block devices name them (issue 23).
  errors.push(...(await launcherUsage(ctx, snaps, findings)));
  return errors;
}

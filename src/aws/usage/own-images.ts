import { paginateDescribeImages, type Image } from '@aws-sdk/client-ec2';
import type { Finding } from '../../domain/finding.ts';
import { describeAwsError } from '../errors.ts';
import type { KindContext } from '../kinds/kind.ts';

const PAGE_SIZE = 1000;

/** The account-region's own AMIs, or why they could not be listed. */
type OwnImages = { images: Image[] } | { error: string };

/**
 * The lookups of one account-region (`lookupUsage`) all receive the same findings array, so it keys the one
 * listing the AMI and EBS lookups share; the next scan's arrays are new, so nothing goes stale.
 */
const listed = new WeakMap<readonly Finding[], Promise<OwnImages>>();

/** `listOwnImages` once for this account-region's lookups (the first that needs it lists). */
export function ownImagesFor(ctx: KindContext, findings: readonly Finding[]): Promise<OwnImages> {
  let p = listed.get(findings);
  if (!p) listed.set(findings, (p = listOwnImages(ctx)));
  return p;
}

/**
 * One `DescribeImages Owners=self` per account-region serves both lookups that need own AMIs: the AMI
 * kind's own copies (`SourceImageId`) and the EBS kind's own AMIs built on a snapshot (the
 * block-device mappings' `Ebs.SnapshotId`) — docs/aws.md "Who already uses a shared resource". A filter per kind
 * (`block-device-mapping.snapshot-id`, ≤ 200 values) would cost a call per 200 snapshots on top of it.
 * Never throws.
 */
async function listOwnImages(ctx: KindContext): Promise<OwnImages> {
  const images: Image[] = [];
  try {
    for await (const page of paginateDescribeImages(
      { client: ctx.ec2(), pageSize: PAGE_SIZE },
      { Owners: ['self'], IncludeDeprecated: true },
    ))
      for (const img of page.Images ?? []) images.push(img);
    return { images };
  } catch (err) {
    return { error: `ec2:DescribeImages (own AMIs): ${describeAwsError(err)}` };
  }
}

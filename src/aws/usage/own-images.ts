import { paginateDescribeImages, type Image } from '@aws-sdk/client-ec2';
import { describeAwsError } from '../errors.ts';
import type { KindContext } from '../kinds/kind.ts';

const PAGE_SIZE = 1000;

/** The account-region's own AMIs, or why they could not be listed. */
export type OwnImages = { images: Image[] } | { error: string };

/**
 * One `DescribeImages Owners=self` per account-region serves both lookups that need own AMIs: the AMI
 * kind's own copies (`SourceImageId`) and the EBS kind's own AMIs built on a snapshot (the
 * block-device mappings' `Ebs.SnapshotId`) — docs/aws.md "Who already uses it". A filter per kind
 * (`block-device-mapping.snapshot-id`, ≤ 200 values) would cost a call per 200 snapshots on top of it.
 * Never throws.
 */
export async function listOwnImages(ctx: KindContext): Promise<OwnImages> {
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

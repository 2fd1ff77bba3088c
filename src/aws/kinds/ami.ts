import { paginateDescribeImages, type Image } from '@aws-sdk/client-ec2';
import { findingId, type Finding, type SharedVia } from '../../domain/finding.ts';
import { partitionOf } from '../../domain/ids.ts';
import { collect, isoDate, type KindContext, type ResourceKindModule } from './kind.ts';

const PAGE_SIZE = 1000;

/**
 * AMIs the account can launch but does not own (docs/aws.md §1): one paginated `ExecutableBy=self`
 * listing covers direct, organization and OU shares. Listing by the account's own id is the same
 * scope (AWS documents it), so no listing tells a recipient how an AMI reached it: `sharedVia` is
 * `unknown` here and becomes known only from the owner side or a cancel attempt (src/remediate).
 * Deprecated AMIs are hidden unless asked for, and a deprecated backdoored image is still launchable.
 */
async function list(ctx: KindContext): Promise<Finding[]> {
  const accountId = ctx.account.id;
  const images = await collect(
    paginateDescribeImages(
      { client: ctx.ec2(), pageSize: PAGE_SIZE },
      { ExecutableUsers: ['self'], IncludeDeprecated: true },
    ),
    (page) => page.Images,
  );
  return images
    .filter((img) => img.ImageId && img.OwnerId && img.OwnerId !== accountId)
    .map((img) => toFinding(img, ctx, 'unknown'));
}

export function toFinding(
  img: Image,
  ctx: Pick<KindContext, 'account' | 'region'>,
  sharedVia: SharedVia,
): Finding {
  const imageId = img.ImageId ?? '';
  const f: Finding = {
    id: findingId('ami', ctx.account.id, ctx.region, imageId),
    kind: 'ami',
    accountId: ctx.account.id,
    region: ctx.region,
    resourceId: imageId,
    resourceArn: `arn:${partitionOf(ctx.region)}:ec2:${ctx.region}::image/${imageId}`,
    ownerAccountId: img.OwnerId ?? '',
    sharedVia,
  };
  if (ctx.account.name) f.accountName = ctx.account.name;
  if (img.Name) f.name = img.Name;
  const created = isoDate(img.CreationDate);
  if (created) f.createdAt = created;
  if (img.Description) f.description = img.Description;
  if (img.Public) f.public = true;
  const deprecation = isoDate(img.DeprecationTime);
  if (deprecation) f.deprecationTime = deprecation;
  if (img.ImageAllowed !== undefined) f.imageAllowed = img.ImageAllowed;
  if (img.ImageOwnerAlias) f.ownerAlias = img.ImageOwnerAlias;
  return f;
}

export const ami: ResourceKindModule = {
  kind: 'ami',
  label: 'AMI',
  service: 'ec2',
  scanActions: ['ec2:DescribeImages'],
  list,
};

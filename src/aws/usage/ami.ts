import {
  paginateDescribeInstanceImageMetadata,
  paginateDescribeInstances,
  type InstanceImageMetadata,
} from '@aws-sdk/client-ec2';
import { findingId, type Finding, type UsageItem } from '../../domain/finding.ts';
import { partitionOf } from '../../domain/ids.ts';
import { describeAwsError } from '../errors.ts';
import { isoDate, type KindContext } from '../kinds/kind.ts';
import { ENDED_INSTANCE_STATES, UsageBook, chunks } from './common.ts';
import { launcherUsage } from './launchers.ts';
import { ownImagesFor } from './own-images.ts';

/** EC2 accepts at most 200 values in one filter (docs/aws.md "Who already uses a shared resource"). */
const FILTER_VALUES_MAX = 200;
const PAGE_SIZE = 1000;
/** Aliases only AWS can set: instances from these images are not from an untrusted share. */
const AWS_ALIASES = new Set(['amazon', 'aws-marketplace', 'aws-backup-vault']);

export interface AmiUsageResult {
  /**
   * AMIs that instances of the account were launched from, that the listing did not show (deregistered,
   * unshared, or hidden by Allowed AMIs), from other non-AWS owners and not public: findings of their own.
   */
  hidden: Finding[];
  errors: string[];
}

/**
 * Blast radius of shared AMIs in one account-region:
 * - `DescribeInstanceImageMetadata` without filters: every instance of the account-region with its launch
 *   AMI, state and launch time, even when that AMI is no longer visible (docs/aws.md "Who already uses
 *   it"). It is made in every account-region (nothing else finds the `hidden` AMIs), and it answers which
 *   instances run a listed AMI too, so no `DescribeInstances` by image id is needed — unless it fails:
 *   then `DescribeInstances` filter `image-id` (≤ 200 ids a call) still counts the listed AMIs' instances;
 * - own AMIs copied from them (`SourceImageId`), from the account-region's own AMIs (`ownImagesFor`);
 * - launch templates, Auto Scaling groups and Image Builder recipes that would launch them (`launcherUsage`).
 * A failed call marks the usage unknown on every AMI finding; it never throws.
 */
export async function amiUsage(ctx: KindContext, findings: readonly Finding[]): Promise<AmiUsageResult> {
  const amis = findings.filter((f) => f.kind === 'ami');
  const book = new UsageBook(amis);
  const errors: string[] = [];
  const client = ctx.ec2();
  const ids = amis.map((f) => f.resourceId);

  const hidden = new Map<string, { meta: InstanceImageMetadata; instances: InstanceImageMetadata[] }>();
  try {
    for await (const page of paginateDescribeInstanceImageMetadata({ client, pageSize: PAGE_SIZE }, {})) {
      for (const m of page.InstanceImageMetadata ?? []) {
        const image = m.ImageMetadata;
        const state = m.State?.Name;
        if (!m.InstanceId || !image?.ImageId || (state && ENDED_INSTANCE_STATES.has(state))) continue;
        if (book.has(image.ImageId)) {
          book.add(image.ImageId, 'instances', instanceItem(m.InstanceId, state, m.LaunchTime));
          continue;
        }
        const owner = image.OwnerId;
        // Own, AWS-published and public images are not shares; the listing decides the rest.
        if (!owner || owner === ctx.account.id || image.IsPublic) continue;
        if (image.ImageOwnerAlias && AWS_ALIASES.has(image.ImageOwnerAlias)) continue;
        let h = hidden.get(image.ImageId);
        if (!h) hidden.set(image.ImageId, (h = { meta: m, instances: [] }));
        h.instances.push(m);
      }
    }
  } catch (err) {
    // AMIs no longer visible cannot be found now; the listed ones' instances still can.
    const e = `ec2:DescribeInstanceImageMetadata: ${describeAwsError(err)}`;
    errors.push(e);
    hidden.clear();
    if (ids.length) {
      const fallback = await instancesByImageId(ctx, ids, book);
      if (fallback) {
        errors.push(fallback);
        book.unknown(e);
        book.unknown(fallback);
      }
    }
  }

  if (ids.length) {
    const ownImages = await ownImagesFor(ctx, findings);
    if ('error' in ownImages) {
      errors.push(ownImages.error);
      book.unknown(ownImages.error);
    } else
      for (const img of ownImages.images)
        if (img.ImageId && img.SourceImageId && book.has(img.SourceImageId))
          book.add(img.SourceImageId, 'images', {
            id: img.ImageId,
            ...(img.State ? { state: img.State } : {}),
            ...(isoDate(img.CreationDate) ? { at: isoDate(img.CreationDate)! } : {}),
          });
  }

  book.applyTo(amis);
  const hiddenFindings = [...hidden.values()].map((h) => hiddenFinding(ctx, h.meta, h.instances));
  // What would launch them next (issue 23): only where there is an AMI finding, listed or not.
  if (amis.length || hiddenFindings.length)
    errors.push(...(await launcherUsage(ctx, [...amis, ...hiddenFindings], findings)));
  return { hidden: hiddenFindings, errors };
}

/** Instances launched from `ids` by `DescribeInstances` filter `image-id`; the error, if it failed. */
async function instancesByImageId(
  ctx: KindContext,
  ids: readonly string[],
  book: UsageBook,
): Promise<string | undefined> {
  try {
    for (const batch of chunks(ids, FILTER_VALUES_MAX))
      for await (const page of paginateDescribeInstances(
        { client: ctx.ec2(), pageSize: PAGE_SIZE },
        { Filters: [{ Name: 'image-id', Values: batch }] },
      ))
        for (const r of page.Reservations ?? [])
          for (const i of r.Instances ?? []) {
            const state = i.State?.Name;
            if (!i.InstanceId || !i.ImageId || (state && ENDED_INSTANCE_STATES.has(state))) continue;
            book.add(i.ImageId, 'instances', instanceItem(i.InstanceId, state, i.LaunchTime));
          }
    return undefined;
  } catch (err) {
    return `ec2:DescribeInstances: ${describeAwsError(err)}`;
  }
}

function instanceItem(id: string, state: string | undefined, launchTime: Date | undefined): UsageItem {
  const at = isoDate(launchTime);
  return { id, ...(state ? { state } : {}), ...(at ? { at } : {}) };
}

function hiddenFinding(
  ctx: KindContext,
  meta: InstanceImageMetadata,
  instances: InstanceImageMetadata[],
): Finding {
  const image = meta.ImageMetadata!;
  const imageId = image.ImageId!;
  const f: Finding = {
    id: findingId('ami', ctx.account.id, ctx.region, imageId),
    kind: 'ami',
    accountId: ctx.account.id,
    region: ctx.region,
    resourceId: imageId,
    resourceArn: `arn:${partitionOf(ctx.region)}:ec2:${ctx.region}::image/${imageId}`,
    ownerAccountId: image.OwnerId!,
    // Not listed any more, so nothing says how it was shared; a direct share is what a recipient can act on.
    sharedVia: 'account',
    notListed: true,
  };
  if (ctx.account.name) f.accountName = ctx.account.name;
  if (image.Name) f.name = image.Name;
  const created = isoDate(image.CreationDate);
  if (created) f.createdAt = created;
  const deprecation = isoDate(image.DeprecationTime);
  if (deprecation) f.deprecationTime = deprecation;
  if (image.ImageAllowed !== undefined) f.imageAllowed = image.ImageAllowed;
  const book = new UsageBook([f]);
  for (const m of instances) {
    book.add(imageId, 'instances', instanceItem(m.InstanceId!, m.State?.Name, m.LaunchTime));
  }
  book.applyTo([f]);
  return f;
}

import {
  DeregisterImageCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  ModifyImageAttributeCommand,
  paginateDescribeImages,
  type Image,
} from '@aws-sdk/client-ec2';
import { findingId, type Finding, type SharedVia } from '../../domain/finding.ts';
import { amiUsage } from '../usage/ami.ts';
import { LAUNCHER_ACTIONS } from '../usage/launchers.ts';
import { isString, logged, RECYCLE_BIN_NOTE } from './calls.ts';
import {
  collect,
  isoDate,
  commonDetails,
  type KindContext,
  type KindNote,
  type KindSource,
  type ResourceKindModule,
} from './kind.ts';
import { partitionOf } from '../../domain/ids.ts';

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
      { client: ctx.client('ec2'), pageSize: PAGE_SIZE },
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

/** Deprecation and Allowed AMIs (audit mode), as notes; `asOf` decides "deprecated". */
function notes(f: Finding, asOf: string): KindNote[] {
  const out: KindNote[] = [];
  if (f.deprecationTime) {
    const past = Date.parse(f.deprecationTime) <= Date.parse(asOf);
    out.push({ text: past ? 'deprecated since' : 'deprecation set for', date: f.deprecationTime });
  }
  if (f.imageAllowed === false) out.push({ text: 'not allowed by Allowed AMIs (audit mode)' });
  return out;
}

/** Owner and recipient calls (docs/aws.md §1, §2, §5a). */
const source: KindSource = {
  notFoundCodes: ['InvalidAMIID.NotFound', 'InvalidAMIID.Unavailable'],
  dryRun: true,
  async readShares(f, owner, calls) {
    const out = await logged(
      calls,
      `ec2:DescribeImageAttribute ${f.resourceId} launchPermission`,
      () =>
        owner
          .client('ec2')
          .send(new DescribeImageAttributeCommand({ ImageId: f.resourceId, Attribute: 'launchPermission' })),
      (o) => `${o.LaunchPermissions?.length ?? 0} permission(s)`,
    );
    const perms = out.LaunchPermissions ?? [];
    return {
      accounts: perms.flatMap((p) => (p.UserId ? [p.UserId] : [])),
      organizations: perms.flatMap((p) => [p.OrganizationArn, p.OrganizationalUnitArn].filter(isString)),
      public: perms.some((p) => p.Group === 'all'),
    };
  },
  async removeAccount(f, owner, accountId, dryRun, calls) {
    await logged(
      calls,
      `ec2:ModifyImageAttribute ${f.resourceId} LaunchPermission.Remove UserId=${accountId}${dryRun ? ' DryRun' : ''}`,
      () =>
        owner.client('ec2').send(
          new ModifyImageAttributeCommand({
            ImageId: f.resourceId,
            LaunchPermission: { Remove: [{ UserId: accountId }] },
            DryRun: dryRun,
          }),
        ),
      () => 'ok',
    );
  },
  async delete(f, owner, dryRun, calls) {
    await logged(
      calls,
      `ec2:DeregisterImage ${f.resourceId}${dryRun ? ' DryRun' : ''}`,
      () => owner.client('ec2').send(new DeregisterImageCommand({ ImageId: f.resourceId, DryRun: dryRun })),
      () => 'ok',
    );
    return {
      kept:
        'Its EBS snapshots were not deleted (they stay in the owner account). Instances already launched from it keep running. ' +
        RECYCLE_BIN_NOTE,
    };
  },
  async exists(f, owner, calls) {
    const out = await logged(
      calls,
      `ec2:DescribeImages Owners=self image-id=${f.resourceId}`,
      () =>
        owner.client('ec2').send(
          new DescribeImagesCommand({
            Owners: ['self'],
            IncludeDeprecated: true,
            Filters: [{ Name: 'image-id', Values: [f.resourceId] }],
          }),
        ),
      (o) => (o.Images?.length ? 'exists' : 'gone'),
    );
    return (out.Images ?? []).some((i) => i.ImageId === f.resourceId);
  },
  async visible(f, recipient, calls) {
    const out = await logged(
      calls,
      `ec2:DescribeImages ExecutableBy=self image-id=${f.resourceId}`,
      () =>
        recipient.client('ec2').send(
          new DescribeImagesCommand({
            ExecutableUsers: ['self'],
            IncludeDeprecated: true,
            Filters: [{ Name: 'image-id', Values: [f.resourceId] }],
          }),
        ),
      (o) => (o.Images?.some((i) => i.ImageId === f.resourceId) ? 'still visible' : 'not visible'),
    );
    return (out.Images ?? []).some((i) => i.ImageId === f.resourceId);
  },
  actions: {
    readShares: ['ec2:DescribeImageAttribute'],
    removeAccount: ['ec2:ModifyImageAttribute'],
    delete: ['ec2:DeregisterImage', 'ec2:DescribeImages'],
    visible: ['ec2:DescribeImages'],
  },
};

export const ami: ResourceKindModule<'ami'> = {
  kind: 'ami',
  label: { one: 'AMI', many: 'AMIs' },
  service: 'ec2',
  scanActions: ['ec2:DescribeImages'],
  list,
  details: commonDetails,
  notes,
  usage: {
    // DescribeInstances only when DescribeInstanceImageMetadata fails (usage/ami.ts).
    actions: [
      'ec2:DescribeInstances',
      'ec2:DescribeInstanceImageMetadata',
      'ec2:DescribeImages',
      ...LAUNCHER_ACTIONS.ami,
    ],
    lookup: (ctx, findings) => amiUsage(ctx, findings),
  },
  // docs/aws.md §2: only AMIs have a recipient-side cancel.
  remediation: { remove: ['revoke-at-source', 'cancel-as-recipient', 'block'], orgShares: true },
  source,
  guard: {
    family: 'image',
    probe: (_owner, region, p) => ({
      resourceId: 'ami-0123456789abcdef0',
      resourceArn: `arn:${p}:ec2:${region}::image/ami-0123456789abcdef0`,
    }),
  },
};

// DescribeInstanceImageMetadata (docs/aws.md "Who already uses a shared resource"): each of A's instances with the AMI it was launched
// from — even when that AMI is deprecated, deregistered, unshared or not allowed. No image-id
// filter, as in AWS: callers match ImageMetadata.ImageId themselves.
import { SimError } from '../../protocol/errors.ts';
import { el, isoTime, itemSet, wrap } from '../../protocol/xml.ts';
import { SortedIds } from '../../sorted.ts';
import type { ImageRec, InstanceRec } from '../../state.ts';
import {
  decodeToken,
  dryRunGate,
  ec2Filters,
  ec2MaxResults,
  encodeToken,
  filterPredicate,
  invalidValue,
  page,
  type ActionDef,
  type Ctx,
} from '../common.ts';
import { renderInstanceState } from './instances.ts';
import { checkIds, idx, unfilteredUnlessPaged } from './shared.ts';

interface Row {
  instance: InstanceRec;
  image?: ImageRec;
  deregistered: boolean;
  allowed?: boolean;
}

const FILTERS: Record<string, (r: Row) => string | boolean | undefined> = {
  'availability-zone': (r) => `${r.instance.region}a`,
  'instance-id': (r) => r.instance.id,
  'image-allowed': (r) => r.allowed,
  'instance-state-name': (r) => r.instance.state ?? 'running',
  'instance-type': (r) => r.instance.instanceType ?? 't3.micro',
  'launch-time': (r) => (r.instance.launchTime ? isoTime(r.instance.launchTime) : undefined),
  // The image's owner (AWS recommends these over Owner-less listings; docs/simulator.md).
  'owner-alias': (r) => r.image?.ownerAlias,
  'owner-id': (r) => r.image?.owner,
  'zone-id': (r) => `${r.instance.region.replace(/-/g, '')}-az1`,
};

function describeInstanceImageMetadata(ctx: Ctx): string {
  const { state, account: a, region: r, params: p } = ctx;
  const ids = p.list('InstanceId');
  checkIds(ids, 'i', 'InvalidInstanceID.Malformed');
  const filters = ec2Filters(p);
  const match = filterPredicate(filters, FILTERS, (name) =>
    invalidValue(`The filter '${name}' is invalid for DescribeInstanceImageMetadata`),
  );
  const limit = ec2MaxResults(p, 1, 1000);
  const after = decodeToken(p.get('NextToken'), 'InvalidPaginationToken');
  dryRunGate(ctx);
  const mine = (i: InstanceRec | undefined): i is InstanceRec => !!i && i.region === r && i.account === a.id;
  if (ids.length) {
    const missing = ids.filter((id) => !mine(state.instances.get(id)));
    if (missing.length) {
      throw new SimError(
        'InvalidInstanceID.NotFound',
        `The instance ID '${missing.join(', ')}' does not exist`,
      );
    }
  }
  const settings = state.allowedSettings(a.id, r);
  const result = page(
    ids.length ? [SortedIds.of(ids)] : idx(state.instances.byAccount.get(r, a.id)),
    after,
    limit,
    (id) => {
      const instance = state.instances.get(id);
      if (!mine(instance)) return undefined;
      const live = state.images.get(instance.imageId);
      const image = live ?? state.images.retired.get(instance.imageId);
      const row: Row = {
        instance,
        ...(image && { image }),
        deregistered: !live && !!image,
        ...(image &&
          settings.state !== 'disabled' && { allowed: state.images.allowed(image, a.id, settings, ctx.now) }),
      };
      return match(row) ? row : undefined;
    },
  );
  return (
    itemSet('instanceImageMetadataSet', result.items, (row) => {
      const i = row.instance;
      const img = row.image;
      return (
        el('instanceId', i.id) +
        el('instanceType', i.instanceType ?? 't3.micro') +
        (i.launchTime !== undefined ? el('launchTime', isoTime(i.launchTime)) : '') +
        el('availabilityZone', `${i.region}a`) +
        renderInstanceState(i) +
        el('instanceOwnerId', i.account) +
        '<tagSet/>' +
        wrap(
          'imageMetadata',
          el('imageId', i.imageId) +
            (img
              ? el('name', img.name) +
                el('imageOwnerId', img.owner) +
                el('imageState', row.deregistered ? 'deregistered' : img.state) +
                el('imageOwnerAlias', img.ownerAlias) +
                el('creationDate', isoTime(img.creationDate)) +
                (img.deprecationTime !== undefined
                  ? el('deprecationTime', isoTime(img.deprecationTime))
                  : '') +
                el('imageAllowed', row.allowed) +
                el('isPublic', row.deregistered ? false : img.isPublic)
              : ''),
        )
      );
    }) + (result.next !== undefined ? el('nextToken', encodeToken(result.next)) : '')
  );
}

export const EC2_IMAGE_METADATA_ACTIONS: Record<string, ActionDef> = {
  DescribeInstanceImageMetadata: {
    run: describeInstanceImageMetadata,
    category: unfilteredUnlessPaged('InstanceId'),
  },
};

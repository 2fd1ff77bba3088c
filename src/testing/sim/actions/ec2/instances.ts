// The acting account's instances and volumes (blast radius: image-id / snapshot-id filters).
import { SimError } from '../../protocol/errors.ts';
import { el, isoTime, itemSet, wrap } from '../../protocol/xml.ts';
import { SortedIds } from '../../sorted.ts';
import type { InstanceRec, VolumeRec } from '../../state.ts';
import { checkIds, idx, unfilteredUnlessPaged } from './shared.ts';
import {
  decodeToken,
  dryRunGate,
  ec2Filters,
  ec2MaxResults,
  encodeToken,
  exactValues,
  filterPredicate,
  page,
  type ActionDef,
  type Ctx,
} from '../common.ts';

const INSTANCE_STATE_CODES: Record<string, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

// ---- instances and volumes -----------------------------------------------------------------

const INSTANCE_FILTERS: Record<string, (i: InstanceRec) => string | undefined> = {
  'image-id': (i) => i.imageId,
  'instance-id': (i) => i.id,
  'instance-state-name': (i) => i.state ?? 'running',
  'owner-id': (i) => i.account,
  'instance-type': (i) => i.instanceType ?? 't3.micro',
};

function describeInstances(ctx: Ctx): string {
  const { state, account: a, region: r, params: p } = ctx;
  const ids = p.list('InstanceId');
  checkIds(ids, 'i', 'InvalidInstanceID.Malformed');
  const filters = ec2Filters(p);
  const matchFilters = filterPredicate(filters, INSTANCE_FILTERS);
  const limit = ec2MaxResults(p, 5, 1000);
  if (limit !== undefined && ids.length) {
    throw new SimError(
      'InvalidParameterCombination',
      'The parameter instancesSet cannot be used with the parameter maxResults',
    );
  }
  const after = decodeToken(p.get('NextToken'), 'InvalidPaginationToken');
  dryRunGate(ctx);
  const mine = (i: InstanceRec | undefined): i is InstanceRec => !!i && i.region === r && i.account === a.id;
  if (ids.length) {
    const missing = ids.filter((id) => !mine(state.instances.get(id)));
    if (missing.length === 1)
      throw new SimError('InvalidInstanceID.NotFound', `The instance ID '${missing[0]}' does not exist`);
    if (missing.length)
      throw new SimError(
        'InvalidInstanceID.NotFound',
        `The instance IDs '${missing.join(', ')}' do not exist`,
      );
  }
  const byImage = exactValues(filters, 'image-id');
  const sources = ids.length
    ? [SortedIds.of(ids)]
    : byImage
      ? [SortedIds.of(byImage.flatMap((img) => [...(state.instances.byImage.get(img) ?? [])]))]
      : idx(state.instances.byAccount.get(r, a.id));
  const result = page(sources, after, limit, (id) => {
    const i = state.instances.get(id);
    return mine(i) && matchFilters(i) ? i : undefined;
  });
  return (
    itemSet(
      'reservationSet',
      result.items,
      (i) =>
        el('reservationId', `r-${i.id.slice(2)}`) +
        el('ownerId', i.account) +
        '<groupSet/>' +
        itemSet('instancesSet', [i], renderInstance),
    ) + (result.next !== undefined ? el('nextToken', encodeToken(result.next)) : '')
  );
}

export function renderInstance(i: InstanceRec): string {
  const stateName = i.state ?? 'running';
  return (
    el('instanceId', i.id) +
    el('imageId', i.imageId) +
    wrap('instanceState', el('code', INSTANCE_STATE_CODES[stateName] ?? 16) + el('name', stateName)) +
    '<privateDnsName/><dnsName/><reason/><amiLaunchIndex>0</amiLaunchIndex>' +
    el('instanceType', i.instanceType ?? 't3.micro') +
    (i.launchTime !== undefined ? el('launchTime', isoTime(i.launchTime)) : '') +
    wrap('placement', el('availabilityZone', `${i.region}a`) + '<tenancy>default</tenancy>') +
    '<monitoring><state>disabled</state></monitoring>' +
    '<architecture>x86_64</architecture><rootDeviceType>ebs</rootDeviceType><rootDeviceName>/dev/xvda</rootDeviceName>' +
    '<virtualizationType>hvm</virtualizationType><hypervisor>xen</hypervisor>'
  );
}

const VOLUME_FILTERS: Record<string, (v: VolumeRec) => string | number | undefined> = {
  'snapshot-id': (v) => v.snapshotId,
  'volume-id': (v) => v.id,
  status: (v) => v.state ?? 'available',
  size: (v) => v.size ?? 8,
};

function describeVolumes(ctx: Ctx): string {
  const { state, account: a, region: r, params: p } = ctx;
  const ids = p.list('VolumeId');
  checkIds(ids, 'vol', 'InvalidVolumeID.Malformed');
  const filters = ec2Filters(p);
  const matchFilters = filterPredicate(filters, VOLUME_FILTERS);
  const limit = ec2MaxResults(p, 5, 500);
  if (limit !== undefined && ids.length) {
    throw new SimError(
      'InvalidParameterCombination',
      'The parameter volumeSet cannot be used with the parameter maxResults',
    );
  }
  const after = decodeToken(p.get('NextToken'), 'InvalidPaginationToken');
  dryRunGate(ctx);
  const mine = (v: VolumeRec | undefined): v is VolumeRec => !!v && v.region === r && v.account === a.id;
  if (ids.length) {
    const missing = ids.filter((id) => !mine(state.volumes.get(id)));
    if (missing.length === 1)
      throw new SimError('InvalidVolume.NotFound', `The volume '${missing[0]}' does not exist.`);
    if (missing.length)
      throw new SimError('InvalidVolume.NotFound', `The volumes '${missing.join(', ')}' do not exist.`);
  }
  const bySnap = exactValues(filters, 'snapshot-id');
  const sources = ids.length
    ? [SortedIds.of(ids)]
    : bySnap
      ? [SortedIds.of(bySnap.flatMap((s) => [...(state.volumes.bySnapshot.get(s) ?? [])]))]
      : idx(state.volumes.byAccount.get(r, a.id));
  const result = page(sources, after, limit, (id) => {
    const v = state.volumes.get(id);
    return mine(v) && matchFilters(v) ? v : undefined;
  });
  return (
    itemSet(
      'volumeSet',
      result.items,
      (v) =>
        el('volumeId', v.id) +
        el('size', v.size ?? 8) +
        el('snapshotId', v.snapshotId) +
        el('availabilityZone', `${v.region}a`) +
        el('status', v.state ?? 'available') +
        '<createTime>2024-01-01T00:00:00.000Z</createTime><attachmentSet/>' +
        '<volumeType>gp3</volumeType><encrypted>false</encrypted><multiAttachEnabled>false</multiAttachEnabled>',
    ) + (result.next !== undefined ? el('nextToken', encodeToken(result.next)) : '')
  );
}

export const INSTANCE_ACTIONS: Record<string, ActionDef> = {
  DescribeInstances: { run: describeInstances, category: unfilteredUnlessPaged('InstanceId') },
  DescribeVolumes: { run: describeVolumes, category: unfilteredUnlessPaged('VolumeId') },
};

// The acting account's instances and volumes (blast radius: image-id / snapshot-id filters).
import { el, isoTime, itemSet, wrap } from '../../protocol/xml.ts';
import { SortedIds } from '../../sorted.ts';
import type { InstanceRec, VolumeRec } from '../../state.ts';
import { describeRequest, idx, requireIds, unfilteredUnlessPaged } from './shared.ts';
import { encodeToken, exactValues, page, type ActionDef, type Ctx } from '../common.ts';

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
  const { state, account: a, region: r } = ctx;
  const { ids, filters, matchFilters, limit, after } = describeRequest(ctx, {
    idParam: 'InstanceId',
    prefix: 'i',
    malformed: 'InvalidInstanceID.Malformed',
    setName: 'instancesSet',
    fields: INSTANCE_FILTERS,
    maxResults: 1000,
  });
  const mine = (i: InstanceRec | undefined): i is InstanceRec => !!i && i.region === r && i.account === a.id;
  requireIds(
    ids,
    (id) => mine(state.instances.get(id)),
    'InvalidInstanceID.NotFound',
    (id) => `The instance ID '${id}' does not exist`,
    (list) => `The instance IDs '${list}' do not exist`,
  );
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

/** `<instanceState>`: the state name and EC2's numeric code (an instance without one runs). */
export function renderInstanceState(i: InstanceRec): string {
  const stateName = i.state ?? 'running';
  return wrap('instanceState', el('code', INSTANCE_STATE_CODES[stateName] ?? 16) + el('name', stateName));
}

export function renderInstance(i: InstanceRec): string {
  return (
    el('instanceId', i.id) +
    el('imageId', i.imageId) +
    renderInstanceState(i) +
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
  const { state, account: a, region: r } = ctx;
  const { ids, filters, matchFilters, limit, after } = describeRequest(ctx, {
    idParam: 'VolumeId',
    prefix: 'vol',
    malformed: 'InvalidVolumeID.Malformed',
    setName: 'volumeSet',
    fields: VOLUME_FILTERS,
    maxResults: 500,
  });
  const mine = (v: VolumeRec | undefined): v is VolumeRec => !!v && v.region === r && v.account === a.id;
  requireIds(
    ids,
    (id) => mine(state.volumes.get(id)),
    'InvalidVolume.NotFound',
    (id) => `The volume '${id}' does not exist.`,
    (list) => `The volumes '${list}' do not exist.`,
  );
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

// Using a shared resource: RunInstances (ImageId), CreateVolume (SnapshotId), CopySnapshot and
// CopyImage (source ids). Each evaluates the Deny statements over the caller first
// (actions/enforce.ts), then whether A can see the resource, and records what it creates.
import { SimError } from '../../protocol/errors.ts';
import { el, isoTime, itemSet } from '../../protocol/xml.ts';
import type { ImageRec, InstanceRec, SnapshotRec, VolumeRec } from '../../state.ts';
import { dryRunGate, optionalInt, required, type ActionDef, type Ctx } from '../common.ts';
import { renderInstance } from './instances.ts';
import { checkIds, mutate, notFound } from './shared.ts';
import { enforceDeny, imageArn, imageContext, snapshotArn, snapshotContext } from '../enforce.ts';

const MAX_LAUNCH = 20;

function launchableImage(ctx: Ctx, region: string, id: string): ImageRec | undefined {
  const i = ctx.state.images.get(id);
  if (!i || i.region !== region || !ctx.state.images.canLaunch(i, ctx.account)) return undefined;
  if (i.state !== 'available') return undefined; // a disabled AMI launches nothing, not even for its owner
  return i;
}

function visibleSnapshot(ctx: Ctx, region: string, id: string): SnapshotRec | undefined {
  const s = ctx.state.snapshots.get(id);
  if (!s || s.region !== region) return undefined;
  return s.owner === ctx.account.id || s.users.has(ctx.account.id) || s.isPublic ? s : undefined;
}

function runInstances(ctx: Ctx): string {
  const { state, account: a, region: r, params: p } = ctx;
  const imageId = required(p, 'ImageId');
  checkIds([imageId], 'ami', 'InvalidAMIID.Malformed');
  const min = optionalInt(p, 'MinCount') ?? 1;
  const max = optionalInt(p, 'MaxCount') ?? min;
  if (min < 1 || max < min)
    throw new SimError('InvalidParameterValue', 'MinCount must be at least 1 and at most MaxCount.');
  if (max > MAX_LAUNCH) {
    throw new SimError(
      'InstanceLimitExceeded',
      `The simulator launches at most ${MAX_LAUNCH} instances a request.`,
    );
  }
  const known = state.images.get(imageId);
  enforceDeny(
    ctx,
    'ec2:RunInstances',
    imageArn(r, imageId),
    imageContext(imageId, known?.region === r ? known : undefined),
  );
  const image = launchableImage(ctx, r, imageId);
  if (!image) throw notFound('InvalidAMIID.NotFound', 'image id', [`[${imageId}]`]);
  const settings = state.allowedSettings(a.id, r);
  if (settings.state === 'enabled' && !state.images.allowed(image, a.id, settings, ctx.now)) {
    // The exact code AWS answers is UNCONFIRMED (docs/simulator.md): a non-allowed AMI is not
    // discoverable in enabled mode, so it is answered like one that is not there.
    throw new SimError(
      'InvalidAMIID.NotFound',
      `The image id '[${imageId}]' does not exist or is not allowed by the Allowed AMIs settings of this account`,
    );
  }
  dryRunGate(ctx);
  const instanceType = p.get('InstanceType') ?? 'm1.small';
  const created: InstanceRec[] = [];
  for (let n = 0; n < max; n++) {
    const rec: InstanceRec = {
      id: state.newId('i'),
      account: a.id,
      region: r,
      imageId,
      state: 'running',
      instanceType,
      launchTime: isoTime(ctx.now),
    };
    state.instances.add(rec);
    created.push(rec);
  }
  return (
    el('reservationId', `r-${created[0]!.id.slice(2)}`) +
    el('ownerId', a.id) +
    '<groupSet/>' +
    itemSet('instancesSet', created, renderInstance)
  );
}

function createVolume(ctx: Ctx): string {
  const { state, account: a, region: r, params: p } = ctx;
  const snapshotId = p.get('SnapshotId');
  if (snapshotId === undefined) {
    throw new SimError(
      'MissingParameter',
      'The simulator creates volumes from a snapshot only: SnapshotId is required.',
    );
  }
  checkIds([snapshotId], 'snap', 'InvalidSnapshotID.Malformed');
  const known = state.snapshots.get(snapshotId);
  enforceDeny(
    ctx,
    'ec2:CreateVolume',
    snapshotArn(r, snapshotId),
    snapshotContext(snapshotId, known?.region === r ? known : undefined),
  );
  const snap = visibleSnapshot(ctx, r, snapshotId);
  if (!snap) throw new SimError('InvalidSnapshot.NotFound', `The snapshot '${snapshotId}' does not exist.`);
  const size = optionalInt(p, 'Size') ?? snap.volumeSize;
  if (size < snap.volumeSize) {
    throw new SimError(
      'InvalidParameterValue',
      `The volume size (${size}) is smaller than the snapshot size (${snap.volumeSize}).`,
    );
  }
  dryRunGate(ctx);
  const rec: VolumeRec = {
    id: state.newId('vol'),
    account: a.id,
    region: r,
    snapshotId,
    size,
    state: 'available',
  };
  state.volumes.add(rec);
  return (
    el('volumeId', rec.id) +
    el('size', size) +
    el('snapshotId', snapshotId) +
    el('availabilityZone', p.get('AvailabilityZone') ?? `${r}a`) +
    '<status>creating</status>' +
    el('createTime', isoTime(ctx.now)) +
    el('volumeType', p.get('VolumeType') ?? 'gp3') +
    el('encrypted', snap.encrypted) +
    '<multiAttachEnabled>false</multiAttachEnabled>'
  );
}

function copySnapshot(ctx: Ctx): string {
  const { state, account: a, region: r, params: p } = ctx;
  const sourceId = required(p, 'SourceSnapshotId');
  const sourceRegion = required(p, 'SourceRegion');
  checkIds([sourceId], 'snap', 'InvalidSnapshotID.Malformed');
  const known = state.snapshots.get(sourceId);
  enforceDeny(
    ctx,
    'ec2:CopySnapshot',
    snapshotArn(sourceRegion, sourceId),
    snapshotContext(sourceId, known?.region === sourceRegion ? known : undefined),
  );
  const src = visibleSnapshot(ctx, sourceRegion, sourceId);
  if (!src) throw new SimError('InvalidSnapshot.NotFound', `The snapshot '${sourceId}' does not exist.`);
  dryRunGate(ctx);
  const copy = state.snapshots.add({
    id: state.newId('snap'),
    region: r,
    owner: a.id,
    description: p.get('Description') ?? `Copied for DestinationSnapshot from ${sourceId}`,
    startTime: isoTime(ctx.now),
    volumeSize: src.volumeSize,
    encrypted: src.encrypted || p.get('Encrypted')?.toLowerCase() === 'true',
    createVolumePermissions: [],
  });
  return el('snapshotId', copy.id) + '<tagSet/>';
}

function copyImage(ctx: Ctx): string {
  const { state, account: a, region: r, params: p } = ctx;
  const sourceId = required(p, 'SourceImageId');
  const sourceRegion = required(p, 'SourceRegion');
  const name = required(p, 'Name');
  checkIds([sourceId], 'ami', 'InvalidAMIID.Malformed');
  const known = state.images.get(sourceId);
  enforceDeny(
    ctx,
    'ec2:CopyImage',
    imageArn(sourceRegion, sourceId),
    imageContext(sourceId, known?.region === sourceRegion ? known : undefined),
  );
  const src = launchableImage(ctx, sourceRegion, sourceId);
  if (!src) throw notFound('InvalidAMIID.NotFound', 'image id', [`[${sourceId}]`]);
  dryRunGate(ctx);
  // The copy gets its own snapshots, owned by A, one per block device.
  const blockDeviceMappings = src.blockDeviceMappings.map((b) => {
    const from = state.snapshots.get(b.snapshotId);
    const snap = state.snapshots.add({
      id: state.newId('snap'),
      region: r,
      owner: a.id,
      description: `Created by CopyImage from ${b.snapshotId}`,
      startTime: isoTime(ctx.now),
      volumeSize: from?.volumeSize ?? 8,
      encrypted: from?.encrypted ?? false,
      createVolumePermissions: [],
    });
    return { deviceName: b.deviceName, snapshotId: snap.id };
  });
  const copy = state.images.add({
    id: state.newId('ami'),
    region: r,
    owner: a.id,
    name,
    creationDate: isoTime(ctx.now),
    launchPermissions: [],
    ...(p.get('Description') !== undefined && { description: p.get('Description') }),
    sourceImageId: sourceId,
    ...(blockDeviceMappings.length && { blockDeviceMappings }),
  });
  return el('imageId', copy.id);
}

export const EC2_LAUNCH_ACTIONS: Record<string, ActionDef> = {
  RunInstances: { run: runInstances, category: mutate },
  CreateVolume: { run: createVolume, category: mutate },
  CopySnapshot: { run: copySnapshot, category: mutate },
  CopyImage: { run: copyImage, category: mutate },
};

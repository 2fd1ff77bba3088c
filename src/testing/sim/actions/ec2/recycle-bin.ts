// Recycle Bin for AMIs and EBS snapshots (an extension, docs/simulator.md "Recycle Bin"): when
// the owner account has a retention rule (world `accounts[].recycleBinRules`) matching the
// region, a deregistered image / deleted snapshot is kept restorable instead of being gone.
// The product observes it like on AWS: ListImagesInRecycleBin / ListSnapshotsInRecycleBin.
import { SimError } from '../../protocol/errors.ts';
import { el, isoTime, itemSet } from '../../protocol/xml.ts';
import type { ImageRec, RecycleBinEntry, SnapshotRec } from '../../state.ts';
import { launchPermissionsOf } from '../../stores/images.ts';
import { checkIds, describe, mutate, RETURN_TRUE } from './shared.ts';
import { dryRunGate, ec2MaxResults, required, type ActionDef, type Ctx } from '../common.ts';

const DAY_MS = 86_400_000;

/** Called after a removal: keeps the record when a rule says so. */
export function keepInRecycleBin(
  ctx: Ctx,
  kind: RecycleBinEntry['kind'],
  id: string,
  owner: string,
  region: string,
  rec: { image?: ImageRec; snapshot?: SnapshotRec },
): void {
  const rule = ctx.state.retentionRule(owner, region, kind === 'image' ? 'EC2_IMAGE' : 'EBS_SNAPSHOT');
  if (!rule) return;
  ctx.state.recycleBin.set(id, {
    kind,
    id,
    account: owner,
    region,
    enteredMs: ctx.now,
    exitMs: ctx.now + rule.retentionDays * DAY_MS,
    ...rec,
  });
}

function entries(ctx: Ctx, kind: RecycleBinEntry['kind'], ids: string[]): RecycleBinEntry[] {
  const out: RecycleBinEntry[] = [];
  for (const e of ctx.state.recycleBin.values()) {
    if (e.kind !== kind || e.account !== ctx.account.id || e.region !== ctx.region) continue;
    if (e.exitMs <= ctx.now) continue; // retention over: gone for good
    if (ids.length && !ids.includes(e.id)) continue;
    out.push(e);
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

function listImages(ctx: Ctx): string {
  const ids = ctx.params.list('ImageId');
  checkIds(ids, 'ami', 'InvalidAMIID.Malformed');
  ec2MaxResults(ctx.params, 1, 1000);
  dryRunGate(ctx);
  return itemSet(
    'imageSet',
    entries(ctx, 'image', ids),
    (e) =>
      el('imageId', e.id) +
      el('name', e.image?.name) +
      el('description', e.image?.description) +
      el('recycleBinEnterTime', isoTime(e.enteredMs)) +
      el('recycleBinExitTime', isoTime(e.exitMs)),
  );
}

function listSnapshots(ctx: Ctx): string {
  const ids = ctx.params.list('SnapshotId');
  checkIds(ids, 'snap', 'InvalidSnapshotID.Malformed');
  ec2MaxResults(ctx.params, 5, 1000);
  dryRunGate(ctx);
  return itemSet(
    'snapshotSet',
    entries(ctx, 'snapshot', ids),
    (e) =>
      el('snapshotId', e.id) +
      el('recycleBinEnterTime', isoTime(e.enteredMs)) +
      el('recycleBinExitTime', isoTime(e.exitMs)) +
      el('description', e.snapshot?.description) +
      el('volumeId', e.snapshot?.volumeId ?? 'vol-ffffffff'),
  );
}

function entryFor(ctx: Ctx, kind: RecycleBinEntry['kind'], id: string): RecycleBinEntry {
  const [e] = entries(ctx, kind, [id]);
  if (!e) {
    throw kind === 'image'
      ? new SimError('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist in the Recycle Bin`)
      : new SimError('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist in the Recycle Bin.`);
  }
  return e;
}

function restoreImage(ctx: Ctx): string {
  const id = required(ctx.params, 'ImageId');
  checkIds([id], 'ami', 'InvalidAMIID.Malformed');
  const e = entryFor(ctx, 'image', id);
  dryRunGate(ctx);
  const i = e.image!;
  ctx.state.recycleBin.delete(id);
  ctx.state.images.retired.delete(id);
  // AWS restores the image without its launch permissions' public flag; keep the rest.
  ctx.state.images.add({
    id: i.id,
    region: i.region,
    owner: i.owner,
    name: i.name,
    creationDate: i.creationDate,
    state: i.state,
    ...(i.deprecationTime !== undefined && { deprecationTime: i.deprecationTime }),
    launchPermissions: launchPermissionsOf(i).filter((p) => p.group === undefined),
    ...(i.description !== undefined && { description: i.description }),
    ...(i.ownerAlias !== undefined && { imageOwnerAlias: i.ownerAlias as 'amazon' }),
    ...(i.sourceImageId !== undefined && { sourceImageId: i.sourceImageId }),
    blockDeviceMappings: i.blockDeviceMappings,
  });
  return RETURN_TRUE;
}

function restoreSnapshot(ctx: Ctx): string {
  const id = required(ctx.params, 'SnapshotId');
  checkIds([id], 'snap', 'InvalidSnapshotID.Malformed');
  const e = entryFor(ctx, 'snapshot', id);
  dryRunGate(ctx);
  const s = e.snapshot!;
  ctx.state.recycleBin.delete(id);
  ctx.state.snapshots.add({
    id: s.id,
    region: s.region,
    owner: s.owner,
    description: s.description,
    startTime: s.startTime,
    volumeSize: s.volumeSize,
    encrypted: s.encrypted,
    createVolumePermissions: [...s.users].map((userId) => ({ userId })),
    ...(s.volumeId !== undefined && { volumeId: s.volumeId }),
  });
  return (
    el('snapshotId', s.id) +
    el('description', s.description) +
    el('encrypted', s.encrypted) +
    el('ownerId', s.owner) +
    '<progress>100%</progress>' +
    el('startTime', isoTime(s.startTime)) +
    '<status>completed</status>' +
    el('volumeId', s.volumeId ?? 'vol-ffffffff') +
    el('volumeSize', s.volumeSize)
  );
}

export const RECYCLE_BIN_ACTIONS: Record<string, ActionDef> = {
  ListImagesInRecycleBin: { run: listImages, category: describe },
  ListSnapshotsInRecycleBin: { run: listSnapshots, category: describe },
  RestoreImageFromRecycleBin: { run: restoreImage, category: mutate },
  RestoreSnapshotFromRecycleBin: { run: restoreSnapshot, category: mutate },
};

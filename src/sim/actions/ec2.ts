// EC2 actions (ec2 query protocol). Element names follow the SDK's schemas (imagesSet/item,
// imageOwnerId, imageState, isPublic, …) so every field comes back parsed by the real client.
import { SimError } from '../protocol/errors.ts';
import type { ParamView } from '../protocol/form.ts';
import { el, esc, isoTime, itemSet, wrap } from '../protocol/xml.ts';
import { SortedIds } from '../sorted.ts';
import { keepInRecycleBin, RECYCLE_BIN_ACTIONS } from './ec2-recycle-bin.ts';
import {
  launchPermissionsOf,
  volumePermissionsOf,
  type ImageCriterion,
  type ImageRec,
  type InstanceRec,
  type SnapshotRec,
  type VolumeRec,
} from '../state.ts';
import type { WorldLaunchPermission } from '../world.ts';
import {
  checkIds,
  describe,
  idx,
  mutate,
  notFound,
  OWNER_ALIASES,
  RETURN_TRUE,
  unfilteredUnlessPaged,
  userScopes,
} from './ec2-shared.ts';
import {
  ACCOUNT_ID,
  decodeToken,
  dryRunGate,
  ec2Filters,
  ec2MaxResults,
  encodeToken,
  exactValues,
  filterPredicate,
  invalidValue,
  page,
  required,
  type ActionDef,
  type Ctx,
  type Filter,
} from './common.ts';

// AWS regions that are opt-in: enabled ones report "opted-in", the rest "opt-in-not-required".
const OPT_IN_REGIONS = new Set([
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-south-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-west-1',
  'eu-central-2',
  'eu-south-1',
  'eu-south-2',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
]);

const INSTANCE_STATE_CODES: Record<string, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

// ---- images --------------------------------------------------------------------------------

function imageSources(
  ctx: Ctx,
  execBy: string[],
  owners: string[],
  filters: Filter[],
  ids: string[],
): SortedIds[] {
  const { state, account: a, region: r } = ctx;
  if (ids.length) return [SortedIds.of(ids)];
  const byId = exactValues(filters, 'image-id');
  if (byId) return [SortedIds.of(byId)];
  const bySnap = exactValues(filters, 'block-device-mapping.snapshot-id');
  if (bySnap) return [SortedIds.of(bySnap.flatMap((s) => [...(state.imgBySnapshot.get(s) ?? [])]))];
  const ownerScopes = owners.length ? owners : exactValues(filters, 'owner-id');
  if (ownerScopes) {
    return ownerScopes.flatMap((o) =>
      OWNER_ALIASES.has(o)
        ? idx(state.imgAlias.get(r, o))
        : idx(state.imgOwner.get(r, o === 'self' ? a.id : o)),
    );
  }
  const self = (): SortedIds[] => [
    ...idx(state.imgOwner.get(r, a.id)),
    ...idx(state.imgUser.get(r, a.id)),
    ...(a.organization ? idx(state.imgOrg.get(r, a.organization)) : []),
    ...a.ous.flatMap((ou) => idx(state.imgOu.get(r, ou))),
  ];
  if (execBy.length) {
    return execBy.flatMap((s) => {
      // aws-simulator.md "Corrected (Dec 2026)": A's own id is the same scope as self.
      if (s === 'self' || s === a.id) return self();
      if (s === 'all') return idx(state.imgPublic.get(r, ''));
      return idx(state.imgUser.get(r, s));
    });
  }
  return [...self(), ...idx(state.imgPublic.get(r, ''))];
}

const IMAGE_FILTERS: Record<string, (i: ImageRec) => string | readonly string[] | boolean | undefined> = {
  'image-id': (i) => i.id,
  'owner-id': (i) => i.owner,
  'owner-alias': (i) => i.ownerAlias,
  'block-device-mapping.snapshot-id': (i) => i.blockDeviceMappings.map((b) => b.snapshotId),
  'block-device-mapping.device-name': (i) => i.blockDeviceMappings.map((b) => b.deviceName),
  name: (i) => i.name,
  description: (i) => i.description,
  state: (i) => i.state,
  'is-public': (i) => i.isPublic,
  'image-type': () => 'machine',
  architecture: () => 'x86_64',
  'root-device-type': () => 'ebs',
  'source-image-id': (i) => i.sourceImageId,
  'creation-date': (i) => isoTime(i.creationDate),
};

export function renderImage(i: ImageRec, allowed: boolean | undefined): string {
  let bdm = '';
  if (i.blockDeviceMappings.length) {
    bdm = itemSet(
      'blockDeviceMapping',
      i.blockDeviceMappings,
      (b) =>
        el('deviceName', b.deviceName) +
        wrap(
          'ebs',
          el('snapshotId', b.snapshotId) +
            '<deleteOnTermination>true</deleteOnTermination><volumeType>gp3</volumeType><encrypted>false</encrypted>',
        ),
    );
  }
  return (
    el('imageId', i.id) +
    el('imageLocation', `${i.ownerAlias ?? i.owner}/${i.name}`) +
    el('imageState', i.state) +
    el('imageOwnerId', i.owner) +
    el('creationDate', isoTime(i.creationDate)) +
    el('isPublic', i.isPublic) +
    '<architecture>x86_64</architecture><imageType>machine</imageType>' +
    '<platformDetails>Linux/UNIX</platformDetails><usageOperation>RunInstances</usageOperation>' +
    el('name', i.name) +
    el('description', i.description) +
    el('imageOwnerAlias', i.ownerAlias) +
    '<rootDeviceType>ebs</rootDeviceType>' +
    el('rootDeviceName', i.blockDeviceMappings[0]?.deviceName ?? '/dev/xvda') +
    bdm +
    '<virtualizationType>hvm</virtualizationType><hypervisor>xen</hypervisor><enaSupport>true</enaSupport>' +
    (i.deprecationTime !== undefined ? el('deprecationTime', isoTime(i.deprecationTime)) : '') +
    el('imageAllowed', allowed) +
    el('sourceImageId', i.sourceImageId) +
    el('deregistrationProtection', i.deregistrationProtection ? 'enabled' : 'disabled')
  );
}

function describeImages(ctx: Ctx): string {
  const { state, account: a, region: r, params: p, now } = ctx;
  const execBy = userScopes(p.list('ExecutableBy'), 'user id', new Set(['self', 'all']));
  const owners = userScopes(p.list('Owner'), 'owner', new Set(['self', ...OWNER_ALIASES]));
  const ids = p.list('ImageId');
  checkIds(ids, 'ami', 'InvalidAMIID.Malformed');
  const filters = ec2Filters(p);
  const matchFilters = filterPredicate(filters, IMAGE_FILTERS);
  const includeDeprecated = p.get('IncludeDeprecated')?.toLowerCase() === 'true';
  const includeDisabled = p.get('IncludeDisabled')?.toLowerCase() === 'true';
  const limit = ec2MaxResults(p, 5, 1000);
  const after = decodeToken(p.get('NextToken'), 'InvalidPaginationToken');
  dryRunGate(ctx);

  // Asked-for ids that A cannot see at all are an error, as in AWS.
  const visible = (i: ImageRec | undefined): i is ImageRec => !!i && i.region === r && state.canLaunch(i, a);
  if (ids.length) {
    const missing = ids.filter((id) => !visible(state.images.get(id)));
    if (missing.length)
      throw notFound(
        'InvalidAMIID.NotFound',
        'image id',
        missing.map((m) => `[${m}]`),
      );
  }
  const settings = state.allowedSettings(a.id, r);
  const idSet = ids.length ? new Set(ids) : undefined;
  const execOk = (i: ImageRec) =>
    execBy.some((s) =>
      s === 'self' || s === a.id
        ? i.owner === a.id || state.sharedWith(i, a)
        : s === 'all'
          ? i.isPublic
          : i.users.has(s),
    );
  const ownerOk = (i: ImageRec) =>
    owners.some((o) =>
      o === 'self' ? i.owner === a.id : OWNER_ALIASES.has(o) ? i.ownerAlias === o : i.owner === o,
    );

  const accept = (id: string): [ImageRec, boolean | undefined] | undefined => {
    const i = state.images.get(id);
    if (!visible(i)) return undefined;
    if (idSet && !idSet.has(i.id)) return undefined;
    if (execBy.length && !execOk(i)) return undefined;
    if (owners.length && !ownerOk(i)) return undefined;
    if (i.state === 'disabled' && !(includeDisabled && i.owner === a.id)) return undefined;
    if (i.deprecationMs !== undefined && i.deprecationMs <= now && !includeDeprecated) return undefined;
    if (!matchFilters(i)) return undefined;
    let allowed: boolean | undefined;
    if (settings.state !== 'disabled') {
      allowed = state.imageAllowed(i, a.id, settings, now);
      if (!allowed && settings.state === 'enabled') return undefined;
    }
    return [i, allowed];
  };
  const result = page(imageSources(ctx, execBy, owners, filters, ids), after, limit, accept);
  return (
    itemSet('imagesSet', result.items, ([i, allowed]) => renderImage(i, allowed)) +
    (result.next !== undefined ? el('nextToken', encodeToken(result.next)) : '')
  );
}

function imageForAction(ctx: Ctx, ownerOnly: boolean): ImageRec {
  const id = required(ctx.params, 'ImageId');
  checkIds([id], 'ami', 'InvalidAMIID.Malformed');
  const i = ctx.state.images.get(id);
  if (!i || i.region !== ctx.region) throw notFound('InvalidAMIID.NotFound', 'image id', [`[${id}]`]);
  if (ownerOnly && i.owner !== ctx.account.id) {
    throw new SimError('AuthFailure', `Not authorized for image:${id}`, 400, true);
  }
  return i;
}

function cancelImageLaunchPermission(ctx: Ctx): string {
  const id = required(ctx.params, 'ImageId');
  checkIds([id], 'ami', 'InvalidAMIID.Malformed');
  const i = ctx.state.images.get(id);
  // Only a direct share can be cancelled; org/OU shares, public images, images not shared with
  // A and absent ones all answer the same (Cloud Custodian's tests against AWS).
  if (!i || i.region !== ctx.region || i.owner === ctx.account.id || !i.users.has(ctx.account.id)) {
    throw notFound('InvalidAMIID.NotFound', 'image id', [`[${id}]`]);
  }
  dryRunGate(ctx);
  ctx.state.removeLaunchPermission(i, { userId: ctx.account.id });
  return RETURN_TRUE;
}

function deregisterImage(ctx: Ctx): string {
  const i = imageForAction(ctx, true);
  const deleteSnapshots = ctx.params.get('DeleteAssociatedSnapshots')?.toLowerCase() === 'true';
  if (i.deregistrationProtection) {
    // The exact code AWS answers is not documented (docs/simulator.md, UNCONFIRMED).
    throw new SimError(
      'OperationNotPermitted',
      `The image ${i.id} has deregistration protection enabled; disable it before deregistering.`,
    );
  }
  dryRunGate(ctx);
  const results: { snapshotId: string; returnCode: string }[] = [];
  ctx.state.removeImage(i);
  keepInRecycleBin(ctx, 'image', i.id, i.owner, i.region, { image: i });
  if (deleteSnapshots) {
    for (const b of i.blockDeviceMappings) {
      const s = ctx.state.snapshots.get(b.snapshotId);
      if (!s || s.region !== ctx.region) {
        results.push({ snapshotId: b.snapshotId, returnCode: 'client-error' });
      } else if (s.owner !== ctx.account.id) {
        results.push({ snapshotId: b.snapshotId, returnCode: 'missing-permissions' });
      } else if (ctx.state.imgBySnapshot.has(s.id)) {
        results.push({ snapshotId: b.snapshotId, returnCode: 'skipped' }); // still backs another image
      } else {
        ctx.state.removeSnapshot(s);
        keepInRecycleBin(ctx, 'snapshot', s.id, s.owner, s.region, { snapshot: s });
        results.push({ snapshotId: b.snapshotId, returnCode: 'success' });
      }
    }
  }
  return (
    RETURN_TRUE +
    (deleteSnapshots
      ? itemSet(
          'deleteSnapshotResultSet',
          results,
          (x) => el('snapshotId', x.snapshotId) + el('returnCode', x.returnCode),
        )
      : '')
  );
}

const ORG_ARN = /^arn:aws[a-z-]*:organizations::\d{12}:organization\/o-[a-z0-9]+$/;
const OU_ARN = /^arn:aws[a-z-]*:organizations::\d{12}:ou\/o-[a-z0-9]+\/ou-[a-z0-9]+-[a-z0-9]+$/;

function launchPermission(v: {
  userId?: string;
  group?: string;
  organizationArn?: string;
  organizationalUnitArn?: string;
}): WorldLaunchPermission {
  const bad = (kind: string, value: string) =>
    new SimError(
      'InvalidAMIAttributeItemValue',
      `Invalid attribute item value "${value}" for ${kind} item type.`,
    );
  if (v.userId !== undefined) {
    if (!ACCOUNT_ID.test(v.userId)) throw bad('userId', v.userId);
    return { userId: v.userId };
  }
  if (v.group !== undefined) {
    if (v.group !== 'all') throw bad('group', v.group);
    return { group: 'all' };
  }
  if (v.organizationArn !== undefined) {
    if (!ORG_ARN.test(v.organizationArn)) throw bad('organizationArn', v.organizationArn);
    return { organizationArn: v.organizationArn };
  }
  if (v.organizationalUnitArn !== undefined) {
    if (!OU_ARN.test(v.organizationalUnitArn)) throw bad('organizationalUnitArn', v.organizationalUnitArn);
    return { organizationalUnitArn: v.organizationalUnitArn };
  }
  throw invalidValue('A launch permission needs UserId, Group, OrganizationArn or OrganizationalUnitArn');
}

function fromMember(m: ParamView): WorldLaunchPermission {
  return launchPermission({
    userId: m.get('UserId'),
    group: m.get('Group'),
    organizationArn: m.get('OrganizationArn'),
    organizationalUnitArn: m.get('OrganizationalUnitArn'),
  });
}

function modifyImageAttribute(ctx: Ctx): string {
  const p = ctx.params;
  const i = imageForAction(ctx, true);
  const adds = p.members('LaunchPermission.Add').map(fromMember);
  const removes = p.members('LaunchPermission.Remove').map(fromMember);
  // The older flat form: Attribute=launchPermission&OperationType=add|remove&UserId.1=…
  const flat = [
    ...p.list('UserId').map((userId) => launchPermission({ userId })),
    ...p.list('UserGroup').map((group) => launchPermission({ group })),
    ...p.list('OrganizationArn').map((organizationArn) => launchPermission({ organizationArn })),
    ...p
      .list('OrganizationalUnitArn')
      .map((organizationalUnitArn) => launchPermission({ organizationalUnitArn })),
  ];
  if (flat.length) {
    const op = p.get('OperationType');
    if (op === 'add') adds.push(...flat);
    else if (op === 'remove') removes.push(...flat);
    else
      throw new SimError(
        'InvalidParameterValue',
        `Value (${op ?? ''}) for parameter operationType is invalid.`,
      );
  }
  const attribute = p.get('Attribute');
  const description =
    p.get('Description.Value') ?? (attribute === 'description' ? p.get('Value') : undefined);
  if (!adds.length && !removes.length && description === undefined) {
    if (attribute && attribute !== 'launchPermission' && attribute !== 'description') {
      throw invalidValue(`Value (${attribute}) for parameter attribute is invalid.`);
    }
    throw new SimError('MissingParameter', 'No attributes specified.');
  }
  dryRunGate(ctx);
  for (const x of removes) ctx.state.removeLaunchPermission(i, x);
  for (const x of adds) ctx.state.addLaunchPermission(i, x);
  if (description !== undefined) i.description = description;
  return RETURN_TRUE;
}

function disableImage(ctx: Ctx): string {
  const i = imageForAction(ctx, true);
  dryRunGate(ctx);
  i.state = 'disabled';
  ctx.state.clearLaunchPermissions(i);
  return RETURN_TRUE;
}

function setDeregistrationProtection(on: boolean) {
  return (ctx: Ctx): string => {
    const i = imageForAction(ctx, true);
    dryRunGate(ctx);
    i.deregistrationProtection = on;
    // AWS answers the new state as a string ("enabled-without-cooldown", "disabled").
    return el('return', on ? 'enabled-without-cooldown' : 'disabled');
  };
}

function enableImage(ctx: Ctx): string {
  const i = imageForAction(ctx, true);
  dryRunGate(ctx);
  i.state = 'available';
  return RETURN_TRUE;
}

function describeImageAttribute(ctx: Ctx): string {
  const attribute = required(ctx.params, 'Attribute');
  const i = imageForAction(ctx, true);
  dryRunGate(ctx);
  let body: string;
  switch (attribute) {
    case 'launchPermission':
      body = itemSet(
        'launchPermission',
        launchPermissionsOf(i),
        (x) =>
          el('userId', x.userId) +
          el('group', x.group) +
          el('organizationArn', x.organizationArn) +
          el('organizationalUnitArn', x.organizationalUnitArn),
      );
      break;
    case 'description':
      body = wrap('description', el('value', i.description ?? ''));
      break;
    case 'blockDeviceMapping':
      body = itemSet(
        'blockDeviceMapping',
        i.blockDeviceMappings,
        (b) => el('deviceName', b.deviceName) + wrap('ebs', el('snapshotId', b.snapshotId)),
      );
      break;
    default:
      throw invalidValue(`Value (${attribute}) for parameter attribute is invalid.`);
  }
  return el('imageId', i.id) + body;
}

// ---- snapshots -----------------------------------------------------------------------------

const SNAPSHOT_FILTERS: Record<string, (s: SnapshotRec) => string | boolean | number | undefined> = {
  'snapshot-id': (s) => s.id,
  'owner-id': (s) => s.owner,
  'owner-alias': (s) => s.ownerAlias,
  status: () => 'completed',
  'volume-id': (s) => s.volumeId ?? 'vol-ffffffff',
  'volume-size': (s) => s.volumeSize,
  encrypted: (s) => s.encrypted,
  description: (s) => s.description,
  'start-time': (s) => isoTime(s.startTime),
  progress: () => '100%',
};

function renderSnapshot(s: SnapshotRec): string {
  return (
    el('snapshotId', s.id) +
    el('volumeId', s.volumeId ?? 'vol-ffffffff') +
    '<status>completed</status>' +
    el('startTime', isoTime(s.startTime)) +
    '<progress>100%</progress>' +
    el('ownerId', s.owner) +
    el('description', s.description) +
    el('volumeSize', s.volumeSize) +
    el('encrypted', s.encrypted) +
    el('ownerAlias', s.ownerAlias) +
    '<storageTier>standard</storageTier>'
  );
}

function describeSnapshots(ctx: Ctx): string {
  const { state, account: a, region: r, params: p } = ctx;
  const restorableBy = userScopes(p.list('RestorableBy'), 'user id', new Set(['self', 'all']));
  const owners = userScopes(p.list('Owner'), 'owner', new Set(['self', ...OWNER_ALIASES]));
  const ids = p.list('SnapshotId');
  checkIds(ids, 'snap', 'InvalidSnapshotID.Malformed');
  const filters = ec2Filters(p);
  const matchFilters = filterPredicate(filters, SNAPSHOT_FILTERS);
  const limit = ec2MaxResults(p, 5, 1000);
  if (limit !== undefined && ids.length) {
    throw new SimError(
      'InvalidParameterCombination',
      'The parameter snapshotSet cannot be used with the parameter maxResults',
    );
  }
  const after = decodeToken(p.get('NextToken'), 'InvalidPaginationToken');
  dryRunGate(ctx);

  const visible = (s: SnapshotRec | undefined): s is SnapshotRec =>
    !!s && s.region === r && (s.owner === a.id || s.users.has(a.id) || s.isPublic);
  if (ids.length) {
    const missing = ids.filter((id) => !visible(state.snapshots.get(id)));
    if (missing.length === 1)
      throw new SimError('InvalidSnapshot.NotFound', `The snapshot '${missing[0]}' does not exist.`);
    if (missing.length)
      throw new SimError('InvalidSnapshot.NotFound', `The snapshots '${missing.join(', ')}' do not exist.`);
  }
  const idSet = ids.length ? new Set(ids) : undefined;
  const restorableOk = (s: SnapshotRec) =>
    restorableBy.some((x) =>
      x === 'self' || x === a.id
        ? s.owner === a.id || s.users.has(a.id)
        : x === 'all'
          ? s.isPublic
          : s.users.has(x),
    );
  const ownerOk = (s: SnapshotRec) =>
    owners.some((o) =>
      o === 'self' ? s.owner === a.id : OWNER_ALIASES.has(o) ? s.ownerAlias === o : s.owner === o,
    );

  let sources: SortedIds[];
  const byId = ids.length ? ids : exactValues(filters, 'snapshot-id');
  const ownerScopes = owners.length ? owners : exactValues(filters, 'owner-id');
  if (byId) sources = [SortedIds.of(byId)];
  else if (ownerScopes) {
    sources = ownerScopes.flatMap((o) =>
      OWNER_ALIASES.has(o)
        ? idx(state.snapAlias.get(r, o))
        : idx(state.snapOwner.get(r, o === 'self' ? a.id : o)),
    );
  } else if (restorableBy.length) {
    sources = restorableBy.flatMap((x) =>
      x === 'self' || x === a.id
        ? [...idx(state.snapOwner.get(r, a.id)), ...idx(state.snapUser.get(r, a.id))]
        : x === 'all'
          ? idx(state.snapPublic.get(r, ''))
          : idx(state.snapUser.get(r, x)),
    );
  } else {
    sources = [
      ...idx(state.snapOwner.get(r, a.id)),
      ...idx(state.snapUser.get(r, a.id)),
      ...idx(state.snapPublic.get(r, '')),
    ];
  }
  const result = page(sources, after, limit, (id) => {
    const s = state.snapshots.get(id);
    if (!visible(s)) return undefined;
    if (idSet && !idSet.has(s.id)) return undefined;
    if (restorableBy.length && !restorableOk(s)) return undefined;
    if (owners.length && !ownerOk(s)) return undefined;
    return matchFilters(s) ? s : undefined;
  });
  return (
    itemSet('snapshotSet', result.items, renderSnapshot) +
    (result.next !== undefined ? el('nextToken', encodeToken(result.next)) : '')
  );
}

function snapshotForAction(ctx: Ctx): SnapshotRec {
  const id = required(ctx.params, 'SnapshotId');
  checkIds([id], 'snap', 'InvalidSnapshotID.Malformed');
  const s = ctx.state.snapshots.get(id);
  if (!s || s.region !== ctx.region)
    throw new SimError('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`);
  if (s.owner !== ctx.account.id) {
    throw new SimError(
      'UnauthorizedOperation',
      'You are not authorized to perform this operation.',
      403,
      true,
    );
  }
  return s;
}

function deleteSnapshot(ctx: Ctx): string {
  const s = snapshotForAction(ctx);
  const users = ctx.state.imgBySnapshot.get(s.id);
  if (users?.size) {
    const [image] = users;
    throw new SimError('InvalidSnapshot.InUse', `The snapshot ${s.id} is currently in use by ${image}`);
  }
  dryRunGate(ctx);
  ctx.state.removeSnapshot(s);
  keepInRecycleBin(ctx, 'snapshot', s.id, s.owner, s.region, { snapshot: s });
  return RETURN_TRUE;
}

function volumePermission(v: { userId?: string; group?: string }): { userId?: string; group?: 'all' } {
  if (v.userId !== undefined) {
    if (!ACCOUNT_ID.test(v.userId)) {
      throw new SimError(
        'InvalidParameterValue',
        `Invalid attribute item value "${v.userId}" for userId item type.`,
      );
    }
    return { userId: v.userId };
  }
  if (v.group === 'all') return { group: 'all' };
  throw new SimError(
    'InvalidParameterValue',
    `Invalid attribute item value "${v.group ?? ''}" for group item type.`,
  );
}

function modifySnapshotAttribute(ctx: Ctx): string {
  const p = ctx.params;
  const s = snapshotForAction(ctx);
  const attribute = p.get('Attribute');
  if (attribute !== undefined && attribute !== 'createVolumePermission' && attribute !== 'productCodes') {
    throw invalidValue(`Value (${attribute}) for parameter attribute is invalid.`);
  }
  const member = (m: ParamView) => volumePermission({ userId: m.get('UserId'), group: m.get('Group') });
  const adds = p.members('CreateVolumePermission.Add').map(member);
  const removes = p.members('CreateVolumePermission.Remove').map(member);
  const flat = [
    ...p.list('UserId').map((userId) => volumePermission({ userId })),
    ...p.list('UserGroup').map((group) => volumePermission({ group })),
  ];
  if (flat.length) {
    const op = p.get('OperationType');
    if (op === 'add') adds.push(...flat);
    else if (op === 'remove') removes.push(...flat);
    else throw invalidValue(`Value (${op ?? ''}) for parameter operationType is invalid.`);
  }
  if (adds.length && removes.length) {
    throw new SimError(
      'InvalidParameterCombination',
      'You cannot add and remove create volume permissions in one request.',
    );
  }
  if (adds.length + removes.length > 500)
    throw invalidValue('At most 500 create volume permission changes per request.');
  if (!adds.length && !removes.length) throw new SimError('MissingParameter', 'No attributes specified.');
  dryRunGate(ctx);
  for (const x of removes) ctx.state.removeVolumePermission(s, x);
  for (const x of adds) ctx.state.addVolumePermission(s, x);
  return RETURN_TRUE;
}

function describeSnapshotAttribute(ctx: Ctx): string {
  const attribute = required(ctx.params, 'Attribute');
  const s = snapshotForAction(ctx);
  if (attribute !== 'createVolumePermission' && attribute !== 'productCodes') {
    throw invalidValue(`Value (${attribute}) for parameter attribute is invalid.`);
  }
  dryRunGate(ctx);
  const body =
    attribute === 'createVolumePermission'
      ? itemSet(
          'createVolumePermission',
          volumePermissionsOf(s),
          (x) => el('userId', x.userId) + el('group', x.group),
        )
      : '<productCodes/>';
  return el('snapshotId', s.id) + body;
}

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
      ? [SortedIds.of(byImage.flatMap((img) => [...(state.instByImage.get(img) ?? [])]))]
      : idx(state.instByAccount.get(r, a.id));
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
      ? [SortedIds.of(bySnap.flatMap((s) => [...(state.volBySnapshot.get(s) ?? [])]))]
      : idx(state.volByAccount.get(r, a.id));
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

// ---- regions -------------------------------------------------------------------------------

function describeRegions(ctx: Ctx): string {
  const { state, account: a, params: p } = ctx;
  const names = p.list('RegionName');
  const all = p.get('AllRegions')?.toLowerCase() === 'true';
  type RegionRow = { name: string; status: string };
  const matchFilters = filterPredicate<RegionRow>(ec2Filters(p), {
    'region-name': (x) => x.name,
    endpoint: (x) => `ec2.${x.name}.amazonaws.com`,
    'opt-in-status': (x) => x.status,
  });
  dryRunGate(ctx);
  const candidates = new Set(a.regions);
  if (all) for (const r of state.worldRegions) candidates.add(r);
  const rows: RegionRow[] = [...candidates]
    .sort()
    .filter((name) => !names.length || names.includes(name))
    .map((name) => ({
      name,
      status: a.regions.has(name)
        ? OPT_IN_REGIONS.has(name)
          ? 'opted-in'
          : 'opt-in-not-required'
        : 'not-opted-in',
    }))
    .filter(matchFilters);
  return itemSet(
    'regionInfo',
    rows,
    (x) =>
      el('regionName', x.name) +
      el('regionEndpoint', `ec2.${x.name}.amazonaws.com`) +
      el('optInStatus', x.status),
  );
}

// ---- Allowed AMIs --------------------------------------------------------------------------

function renderCriterion(c: ImageCriterion): string {
  const set = (name: string, values: string[] | undefined) =>
    values?.length ? itemSet(name, values, (v) => esc(v)) : '';
  return (
    set('imageProviderSet', c.imageProviders) +
    set('marketplaceProductCodeSet', c.marketplaceProductCodes) +
    set('imageNameSet', c.imageNames) +
    (c.deprecationTimeCondition
      ? wrap(
          'deprecationTimeCondition',
          el('maximumDaysSinceDeprecated', c.deprecationTimeCondition.maximumDaysSinceDeprecated),
        )
      : '') +
    (c.creationDateCondition
      ? wrap(
          'creationDateCondition',
          el('maximumDaysSinceCreated', c.creationDateCondition.maximumDaysSinceCreated),
        )
      : '')
  );
}

function getAllowedImagesSettings(ctx: Ctx): string {
  dryRunGate(ctx);
  const s = ctx.state.allowedSettings(ctx.account.id, ctx.region);
  return (
    el('state', s.state) +
    (s.criteria.length ? itemSet('imageCriterionSet', s.criteria, renderCriterion) : '') +
    el('managedBy', s.managedBy)
  );
}

function changeableSettings(ctx: Ctx) {
  const s = ctx.state.allowedSettings(ctx.account.id, ctx.region);
  if (s.managedBy === 'declarative-policy') {
    throw new SimError(
      'OperationNotPermitted',
      'Allowed AMIs settings are managed by a declarative policy and cannot be changed by the account.',
    );
  }
  return s;
}

function enableAllowedImagesSettings(ctx: Ctx): string {
  const want = required(ctx.params, 'AllowedImagesSettingsState');
  if (want !== 'enabled' && want !== 'audit-mode') {
    throw invalidValue(`Value (${want}) for parameter AllowedImagesSettingsState is invalid.`);
  }
  const s = changeableSettings(ctx);
  dryRunGate(ctx);
  ctx.state.setAllowedSettings(ctx.account.id, ctx.region, { ...s, state: want });
  return el('allowedImagesSettingsState', want);
}

function disableAllowedImagesSettings(ctx: Ctx): string {
  const s = changeableSettings(ctx);
  dryRunGate(ctx);
  ctx.state.setAllowedSettings(ctx.account.id, ctx.region, { ...s, state: 'disabled' });
  return el('allowedImagesSettingsState', 'disabled');
}

const PROVIDER_WORDS = new Set(['amazon', 'aws-marketplace', 'aws-backup-vault', 'none']);

function replaceImageCriteria(ctx: Ctx): string {
  const members = ctx.params.members('ImageCriterion');
  if (members.length > 10) throw invalidValue('At most 10 image criteria are allowed.');
  const criteria: ImageCriterion[] = members.map((m) => {
    const c: ImageCriterion = {};
    const providers = m.list('ImageProvider');
    if (providers.length > 200) throw invalidValue('At most 200 image providers are allowed in a criterion.');
    for (const v of providers) {
      if (!ACCOUNT_ID.test(v) && !PROVIDER_WORDS.has(v)) throw invalidValue(`Invalid image provider: ${v}`);
    }
    if (providers.includes('none') && providers.length > 1) {
      throw invalidValue('The image provider "none" cannot be combined with other providers.');
    }
    if (providers.length) c.imageProviders = providers;
    const names = m.list('ImageName');
    if (names.length > 50) throw invalidValue('At most 50 image names are allowed in a criterion.');
    if (names.length) c.imageNames = names;
    const codes = m.list('MarketplaceProductCode');
    if (codes.length > 50)
      throw invalidValue('At most 50 marketplace product codes are allowed in a criterion.');
    if (codes.length) c.marketplaceProductCodes = codes;
    const created = m.get('CreationDateCondition.MaximumDaysSinceCreated');
    if (created !== undefined) c.creationDateCondition = { maximumDaysSinceCreated: dayCount(created) };
    const deprecated = m.get('DeprecationTimeCondition.MaximumDaysSinceDeprecated');
    if (deprecated !== undefined)
      c.deprecationTimeCondition = { maximumDaysSinceDeprecated: dayCount(deprecated) };
    if (Object.keys(c).length === 0)
      throw invalidValue('An image criterion must specify at least one condition.');
    return c;
  });
  const s = changeableSettings(ctx);
  dryRunGate(ctx);
  ctx.state.setAllowedSettings(ctx.account.id, ctx.region, { ...s, criteria });
  return RETURN_TRUE;
}

function dayCount(v: string): number {
  if (!/^\d+$/.test(v)) throw invalidValue(`Invalid number of days: ${v}`);
  return Number(v);
}

// ---- registry ------------------------------------------------------------------------------

export const EC2_ACTIONS: Record<string, ActionDef> = {
  DescribeImages: { run: describeImages, category: describe },
  CancelImageLaunchPermission: { run: cancelImageLaunchPermission, category: mutate },
  DeregisterImage: { run: deregisterImage, category: mutate },
  ModifyImageAttribute: { run: modifyImageAttribute, category: mutate },
  DisableImage: { run: disableImage, category: mutate },
  EnableImage: { run: enableImage, category: mutate },
  EnableImageDeregistrationProtection: { run: setDeregistrationProtection(true), category: mutate },
  DisableImageDeregistrationProtection: { run: setDeregistrationProtection(false), category: mutate },
  ...RECYCLE_BIN_ACTIONS,
  DescribeImageAttribute: { run: describeImageAttribute, category: describe },
  DescribeSnapshots: { run: describeSnapshots, category: unfilteredUnlessPaged('SnapshotId') },
  DeleteSnapshot: { run: deleteSnapshot, category: mutate },
  ModifySnapshotAttribute: { run: modifySnapshotAttribute, category: mutate },
  DescribeSnapshotAttribute: { run: describeSnapshotAttribute, category: describe },
  DescribeInstances: { run: describeInstances, category: unfilteredUnlessPaged('InstanceId') },
  DescribeVolumes: { run: describeVolumes, category: unfilteredUnlessPaged('VolumeId') },
  DescribeRegions: { run: describeRegions, category: describe },
  GetAllowedImagesSettings: { run: getAllowedImagesSettings, category: describe },
  EnableAllowedImagesSettings: { run: enableAllowedImagesSettings, category: mutate },
  DisableAllowedImagesSettings: { run: disableAllowedImagesSettings, category: mutate },
  ReplaceImageCriteriaInAllowedImagesSettings: { run: replaceImageCriteria, category: mutate },
};

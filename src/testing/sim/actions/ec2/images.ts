// AMIs: DescribeImages (the contract's visibility rules), recipient cancel, owner-side
// attribute reads and changes, disable, deregister (protection, Recycle Bin).
import { SimError } from '../../protocol/errors.ts';
import type { ParamView } from '../../protocol/form.ts';
import { el, isoTime, itemSet, wrap } from '../../protocol/xml.ts';
import { SortedIds } from '../../sorted.ts';
import { keepInRecycleBin } from './recycle-bin.ts';
import type { ImageRec } from '../../state.ts';
import { launchPermissionsOf } from '../../stores/images.ts';
import type { WorldLaunchPermission } from '../../world.ts';
import {
  checkIds,
  describe,
  idx,
  mutate,
  notFound,
  OWNER_ALIASES,
  RETURN_TRUE,
  userScopes,
} from './shared.ts';
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
} from '../common.ts';

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
  if (bySnap) return [SortedIds.of(bySnap.flatMap((s) => [...(state.images.bySnapshot.get(s) ?? [])]))];
  const ownerScopes = owners.length ? owners : exactValues(filters, 'owner-id');
  if (ownerScopes) {
    return ownerScopes.flatMap((o) =>
      OWNER_ALIASES.has(o)
        ? idx(state.images.alias.get(r, o))
        : idx(state.images.owner.get(r, o === 'self' ? a.id : o)),
    );
  }
  const self = (): SortedIds[] => [
    ...idx(state.images.owner.get(r, a.id)),
    ...idx(state.images.user.get(r, a.id)),
    ...(a.organization ? idx(state.images.org.get(r, a.organization)) : []),
    ...a.ous.flatMap((ou) => idx(state.images.ou.get(r, ou))),
  ];
  if (execBy.length) {
    return execBy.flatMap((s) => {
      // docs/simulator.md: A's own id is the same scope as self (AWS returns org/OU shares for both).
      if (s === 'self' || s === a.id) return self();
      if (s === 'all') return idx(state.images.publicIdx.get(r, ''));
      return idx(state.images.user.get(r, s));
    });
  }
  return [...self(), ...idx(state.images.publicIdx.get(r, ''))];
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
  const visible = (i: ImageRec | undefined): i is ImageRec =>
    !!i && i.region === r && state.images.canLaunch(i, a);
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
        ? i.owner === a.id || state.images.sharedWith(i, a)
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
      allowed = state.images.allowed(i, a.id, settings, now);
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
  ctx.state.images.removeLaunchPermission(i, { userId: ctx.account.id });
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
  ctx.state.images.remove(i);
  keepInRecycleBin(ctx, 'image', i.id, i.owner, i.region, { image: i });
  if (deleteSnapshots) {
    for (const b of i.blockDeviceMappings) {
      const s = ctx.state.snapshots.get(b.snapshotId);
      if (!s || s.region !== ctx.region) {
        results.push({ snapshotId: b.snapshotId, returnCode: 'client-error' });
      } else if (s.owner !== ctx.account.id) {
        results.push({ snapshotId: b.snapshotId, returnCode: 'missing-permissions' });
      } else if (ctx.state.images.bySnapshot.has(s.id)) {
        results.push({ snapshotId: b.snapshotId, returnCode: 'skipped' }); // still backs another image
      } else {
        ctx.state.snapshots.remove(s);
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
  for (const x of removes) ctx.state.images.removeLaunchPermission(i, x);
  for (const x of adds) ctx.state.images.addLaunchPermission(i, x);
  if (description !== undefined) i.description = description;
  return RETURN_TRUE;
}

function disableImage(ctx: Ctx): string {
  const i = imageForAction(ctx, true);
  dryRunGate(ctx);
  i.state = 'disabled';
  ctx.state.images.clearLaunchPermissions(i);
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

export const IMAGE_ACTIONS: Record<string, ActionDef> = {
  DescribeImages: { run: describeImages, category: describe },
  CancelImageLaunchPermission: { run: cancelImageLaunchPermission, category: mutate },
  DeregisterImage: { run: deregisterImage, category: mutate },
  ModifyImageAttribute: { run: modifyImageAttribute, category: mutate },
  DisableImage: { run: disableImage, category: mutate },
  EnableImage: { run: enableImage, category: mutate },
  EnableImageDeregistrationProtection: { run: setDeregistrationProtection(true), category: mutate },
  DisableImageDeregistrationProtection: { run: setDeregistrationProtection(false), category: mutate },
  DescribeImageAttribute: { run: describeImageAttribute, category: describe },
};

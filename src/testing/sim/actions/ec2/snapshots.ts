// EBS snapshots: DescribeSnapshots (RestorableBy), owner-side attribute reads and changes, delete.
import { SimError } from '../../protocol/errors.ts';
import type { ParamView } from '../../protocol/form.ts';
import { el, isoTime, itemSet } from '../../protocol/xml.ts';
import { SortedIds } from '../../sorted.ts';
import { keepInRecycleBin } from './recycle-bin.ts';
import type { SnapshotRec } from '../../state.ts';
import { volumePermissionsOf } from '../../stores/snapshots.ts';
import {
  checkIds,
  describe,
  idx,
  mutate,
  OWNER_ALIASES,
  RETURN_TRUE,
  unfilteredUnlessPaged,
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
} from '../common.ts';

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
        ? idx(state.snapshots.alias.get(r, o))
        : idx(state.snapshots.owner.get(r, o === 'self' ? a.id : o)),
    );
  } else if (restorableBy.length) {
    sources = restorableBy.flatMap((x) =>
      x === 'self' || x === a.id
        ? [...idx(state.snapshots.owner.get(r, a.id)), ...idx(state.snapshots.user.get(r, a.id))]
        : x === 'all'
          ? idx(state.snapshots.publicIdx.get(r, ''))
          : idx(state.snapshots.user.get(r, x)),
    );
  } else {
    sources = [
      ...idx(state.snapshots.owner.get(r, a.id)),
      ...idx(state.snapshots.user.get(r, a.id)),
      ...idx(state.snapshots.publicIdx.get(r, '')),
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
  const users = ctx.state.images.bySnapshot.get(s.id);
  if (users?.size) {
    const [image] = users;
    throw new SimError('InvalidSnapshot.InUse', `The snapshot ${s.id} is currently in use by ${image}`);
  }
  dryRunGate(ctx);
  ctx.state.snapshots.remove(s);
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
  for (const x of removes) ctx.state.snapshots.removeVolumePermission(s, x);
  for (const x of adds) ctx.state.snapshots.addVolumePermission(s, x);
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

export const SNAPSHOT_ACTIONS: Record<string, ActionDef> = {
  DescribeSnapshots: { run: describeSnapshots, category: unfilteredUnlessPaged('SnapshotId') },
  DeleteSnapshot: { run: deleteSnapshot, category: mutate },
  ModifySnapshotAttribute: { run: modifySnapshotAttribute, category: mutate },
  DescribeSnapshotAttribute: { run: describeSnapshotAttribute, category: describe },
};

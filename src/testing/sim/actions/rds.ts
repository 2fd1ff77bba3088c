// RDS actions (awsQuery protocol): DB and cluster snapshots, which behave alike, so each
// handler is written once for both kinds.
import { SimError } from '../protocol/errors.ts';
import { el, isoTime, memberList, wrap } from '../protocol/xml.ts';
import { SortedIds } from '../sorted.ts';
import type { RdsKind, RdsSnapshotRec } from '../state.ts';
import { parseRdsArn } from '../stores/rds.ts';
import {
  ACCOUNT_ID,
  decodeToken,
  encodeToken,
  filterPredicate,
  invalidValue,
  optionalBool,
  optionalInt,
  page,
  rdsFilters,
  required,
  type ActionDef,
  type Category,
  type Ctx,
} from './common.ts';

interface KindNames {
  element: string; // DBSnapshot | DBClusterSnapshot
  idParam: string; // DBSnapshotIdentifier | DBClusterSnapshotIdentifier
  sourceParam: string; // DBInstanceIdentifier | DBClusterIdentifier
  arnElement: string;
  idFilter: string;
  sourceFilter: string;
  notFound: string;
  notFoundLabel: string;
  attributesResult: string;
  attributeList: string;
  attribute: string;
}

export const NAMES: Record<RdsKind, KindNames> = {
  db: {
    element: 'DBSnapshot',
    idParam: 'DBSnapshotIdentifier',
    sourceParam: 'DBInstanceIdentifier',
    arnElement: 'DBSnapshotArn',
    idFilter: 'db-snapshot-id',
    sourceFilter: 'db-instance-id',
    notFound: 'DBSnapshotNotFound',
    notFoundLabel: 'DBSnapshot',
    attributesResult: 'DBSnapshotAttributesResult',
    attributeList: 'DBSnapshotAttributes',
    attribute: 'DBSnapshotAttribute',
  },
  cluster: {
    element: 'DBClusterSnapshot',
    idParam: 'DBClusterSnapshotIdentifier',
    sourceParam: 'DBClusterIdentifier',
    arnElement: 'DBClusterSnapshotArn',
    idFilter: 'db-cluster-snapshot-id',
    sourceFilter: 'db-cluster-id',
    notFound: 'DBClusterSnapshotNotFoundFault',
    notFoundLabel: 'DBClusterSnapshot',
    attributesResult: 'DBClusterSnapshotAttributesResult',
    attributeList: 'DBClusterSnapshotAttributes',
    attribute: 'DBClusterSnapshotAttribute',
  },
};

export type Relation = 'own' | 'shared' | 'public';

export function relation(rec: RdsSnapshotRec, account: string): Relation | undefined {
  if (rec.owner === account) return 'own';
  if (rec.restore.has(account)) return 'shared';
  if (rec.restore.has('all')) return 'public';
  return undefined;
}

export function notFound(kind: RdsKind, id: string): SimError {
  const n = NAMES[kind];
  return new SimError(n.notFound, `${n.notFoundLabel} not found: ${id}`, 404);
}

function port(engine: string): number {
  if (engine.includes('postgres')) return 5432;
  if (engine.startsWith('sqlserver')) return 1433;
  if (engine.startsWith('oracle') || engine.startsWith('db2')) return 1521;
  return 3306;
}

/** DBInstanceIdentifier / DBClusterIdentifier. */
function sourceOf(rec: RdsSnapshotRec): string {
  // Without a source in the world, guess it from the name ("orders-2024-05-01" → "orders").
  return rec.sourceIdentifier ?? (rec.id.replace(/-?\d{4}-\d{2}-\d{2}.*$/, '') || rec.id);
}

export function render(kind: RdsKind, rec: RdsSnapshotRec, rel: Relation, status = rec.status): string {
  const n = NAMES[kind];
  // Shared and public snapshots are identified by their ARN, as they are not the caller's.
  const ident = rel === 'own' ? rec.id : rec.arn;
  const type = rel === 'own' ? 'manual' : rel;
  const source = sourceOf(rec);
  const time = isoTime(rec.createTime);
  if (kind === 'db') {
    return wrap(
      n.element,
      el('DBSnapshotIdentifier', ident) +
        el('DBInstanceIdentifier', source) +
        el('SnapshotCreateTime', time) +
        el('Engine', rec.engine) +
        el('AllocatedStorage', rec.allocatedStorage ?? 20) +
        el('Status', status) +
        el('Port', port(rec.engine)) +
        el('AvailabilityZone', `${rec.region}a`) +
        el('InstanceCreateTime', time) +
        '<MasterUsername>admin</MasterUsername><LicenseModel>general-public-license</LicenseModel>' +
        el('SnapshotType', type) +
        '<PercentProgress>100</PercentProgress><StorageType>gp2</StorageType>' +
        el('Encrypted', rec.encrypted ?? false) +
        el('DBSnapshotArn', rec.arn) +
        // Own copies name their source (docs/aws.md "Who already uses a shared resource": SourceDBSnapshotIdentifier is the ARN).
        (rel === 'own' ? el('SourceDBSnapshotIdentifier', rec.sourceSnapshotArn) : '') +
        '<IAMDatabaseAuthenticationEnabled>false</IAMDatabaseAuthenticationEnabled><TagList/>',
    );
  }
  return wrap(
    n.element,
    el('DBClusterSnapshotIdentifier', ident) +
      el('DBClusterIdentifier', source) +
      el('SnapshotCreateTime', time) +
      el('Engine', rec.engine) +
      '<EngineMode>provisioned</EngineMode>' +
      el('AllocatedStorage', rec.allocatedStorage ?? 0) +
      el('Status', status) +
      el('Port', port(rec.engine)) +
      el('ClusterCreateTime', time) +
      '<MasterUsername>admin</MasterUsername>' +
      el('SnapshotType', type) +
      '<PercentProgress>100</PercentProgress>' +
      el('StorageEncrypted', rec.encrypted ?? false) +
      el('DBClusterSnapshotArn', rec.arn) +
      (rel === 'own' ? el('SourceDBClusterSnapshotArn', rec.sourceSnapshotArn) : '') +
      '<IAMDatabaseAuthenticationEnabled>false</IAMDatabaseAuthenticationEnabled><TagList/>',
  );
}

/** The caller's own snapshot by identifier or by its own ARN; anyone else's is "not found". */
function ownSnapshot(ctx: Ctx, kind: RdsKind): RdsSnapshotRec {
  const id = required(ctx.params, NAMES[kind].idParam, 'query');
  const store = ctx.state.rds(kind);
  const arn = parseRdsArn(kind, id);
  const rec = arn
    ? arn.owner === ctx.account.id && arn.region === ctx.region
      ? store.find(arn.region, arn.owner, arn.id)
      : undefined
    : store.find(ctx.region, ctx.account.id, id);
  if (!rec) throw notFound(kind, id);
  return rec;
}

const SNAPSHOT_TYPES = new Set(['automated', 'manual', 'shared', 'public', 'awsbackup']);

function describe(kind: RdsKind) {
  return (ctx: Ctx): string => {
    const { state, account: a, region: r, params: p } = ctx;
    const n = NAMES[kind];
    const store = state.rds(kind);
    const type = p.get('SnapshotType');
    if (type !== undefined && !SNAPSHOT_TYPES.has(type)) {
      throw invalidValue(`Invalid value for SnapshotType: ${type}`);
    }
    const includeShared = optionalBool(p, 'IncludeShared') ?? false;
    const includePublic = optionalBool(p, 'IncludePublic') ?? false;
    const maxRecords = optionalInt(p, 'MaxRecords') ?? 100;
    if (maxRecords < 20 || maxRecords > 100) {
      throw invalidValue(`Invalid value ${maxRecords} for MaxRecords. Must be between 20 and 100`);
    }
    const after = decodeToken(p.get('Marker'), 'InvalidParameterValue');
    const matchFilters = filterPredicate<[RdsSnapshotRec, Relation]>(
      rdsFilters(p),
      {
        [n.idFilter]: ([rec, rel]) => (rel === 'own' ? [rec.id, rec.arn] : [rec.arn]),
        'snapshot-type': ([, rel]) => (rel === 'own' ? 'manual' : rel),
        engine: ([rec]) => rec.engine,
        [n.sourceFilter]: ([rec]) => sourceOf(rec),
      },
      (name) => invalidValue(`Unrecognized filter name: ${name}`),
    );

    // Which relations this request may see (AWS: SnapshotType=shared needs IncludeShared=true).
    const allowed = new Set<Relation>();
    if (type === undefined) {
      allowed.add('own');
      if (includeShared) allowed.add('shared');
      if (includePublic) allowed.add('public');
    } else if (type === 'manual') allowed.add('own');
    else if (type === 'shared' && includeShared) allowed.add('shared');
    else if (type === 'public' && includePublic) allowed.add('public');

    const sourceFilter = p.get(n.sourceParam);
    const idParam = p.get(n.idParam);
    let sources: SortedIds[];
    if (idParam !== undefined) {
      const arn = parseRdsArn(kind, idParam);
      const rec = arn ? store.find(arn.region, arn.owner, arn.id) : store.find(r, a.id, idParam);
      if (!rec || rec.region !== r || relation(rec, a.id) === undefined) throw notFound(kind, idParam);
      // Naming a snapshot by ARN shows it whatever its relation, unless a type narrows the list.
      if (type === undefined) allowed.add(relation(rec, a.id)!);
      sources = [SortedIds.of([rec.arn])];
    } else {
      sources = [];
      const add = (s: SortedIds | undefined) => s && sources.push(s);
      if (allowed.has('own')) add(store.owner.get(r, a.id));
      if (allowed.has('shared')) add(store.shared.get(r, a.id));
      if (allowed.has('public')) add(store.publicIdx.get(r, ''));
    }
    const result = page(sources, after, maxRecords, (arn) => {
      const rec = store.byArn.get(arn);
      if (!rec || rec.region !== r) return undefined;
      const rel = relation(rec, a.id);
      if (rel === undefined || !allowed.has(rel)) return undefined;
      if (sourceFilter !== undefined && sourceOf(rec) !== sourceFilter) return undefined;
      return matchFilters([rec, rel]) ? ([rec, rel] as const) : undefined;
    });
    let items = `<${n.element}s>`;
    for (const [rec, rel] of result.items) items += render(kind, rec, rel);
    items += `</${n.element}s>`;
    return items + (result.next !== undefined ? el('Marker', encodeToken(result.next)) : '');
  };
}

function deleteSnapshot(kind: RdsKind) {
  return (ctx: Ctx): string => {
    const rec = ownSnapshot(ctx, kind);
    if (rec.status !== 'available') {
      throw new SimError(
        kind === 'db' ? 'InvalidDBSnapshotState' : 'InvalidDBClusterSnapshotStateFault',
        `Cannot delete the snapshot because it is not in available state (${rec.status}).`,
      );
    }
    ctx.state.rds(kind).remove(rec);
    return render(kind, rec, 'own', 'deleted');
  };
}

function attributesResult(kind: RdsKind, rec: RdsSnapshotRec): string {
  const n = NAMES[kind];
  return wrap(
    n.attributesResult,
    el(n.idParam, rec.id) +
      wrap(
        n.attributeList,
        wrap(
          n.attribute,
          '<AttributeName>restore</AttributeName>' +
            memberList('AttributeValues', 'AttributeValue', [...rec.restore], (v) => v),
        ),
      ),
  );
}

function modifyAttribute(kind: RdsKind) {
  return (ctx: Ctx): string => {
    const p = ctx.params;
    const name = required(p, 'AttributeName', 'query');
    const rec = ownSnapshot(ctx, kind);
    if (name !== 'restore') throw invalidValue(`Invalid snapshot attribute name: ${name}`);
    const adds = p.list('ValuesToAdd.AttributeValue');
    const removes = p.list('ValuesToRemove.AttributeValue');
    for (const v of [...adds, ...removes]) {
      if (v !== 'all' && !ACCOUNT_ID.test(v)) throw invalidValue(`Invalid account id or "all": ${v}`);
    }
    const store = ctx.state.rds(kind);
    const after = new Set(rec.restore);
    for (const v of removes) after.delete(v);
    for (const v of adds) after.add(v);
    if ([...after].filter((v) => v !== 'all').length > 20) {
      throw new SimError(
        'SharedSnapshotQuotaExceeded',
        'You have exceeded the maximum number of accounts (20) that a snapshot can be shared with.',
      );
    }
    // Removing "all" leaves the listed accounts alone (docs/aws.md "The removal ladder").
    for (const v of removes) store.removeRestore(rec, v);
    for (const v of adds) store.addRestore(rec, v);
    return attributesResult(kind, rec);
  };
}

function describeAttributes(kind: RdsKind) {
  return (ctx: Ctx): string => attributesResult(kind, ownSnapshot(ctx, kind));
}

const describeCat = (): Category => 'describe';
const mutateCat = (): Category => 'mutate';

export const RDS_ACTIONS: Record<string, ActionDef> = {
  DescribeDBSnapshots: { run: describe('db'), category: describeCat },
  DescribeDBClusterSnapshots: { run: describe('cluster'), category: describeCat },
  DeleteDBSnapshot: { run: deleteSnapshot('db'), category: mutateCat },
  DeleteDBClusterSnapshot: { run: deleteSnapshot('cluster'), category: mutateCat },
  ModifyDBSnapshotAttribute: { run: modifyAttribute('db'), category: mutateCat },
  ModifyDBClusterSnapshotAttribute: { run: modifyAttribute('cluster'), category: mutateCat },
  DescribeDBSnapshotAttributes: { run: describeAttributes('db'), category: describeCat },
  DescribeDBClusterSnapshotAttributes: { run: describeAttributes('cluster'), category: describeCat },
};

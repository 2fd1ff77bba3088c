// Using a shared RDS snapshot: restore and copy (Deny-evaluated first, actions/enforce.ts), and
// DescribeEvents, where restores show up as RDS-EVENT-0043 (docs/aws.md "Who already uses a shared resource").
import { SimError } from '../protocol/errors.ts';
import { el, isoTime, memberList, wrap } from '../protocol/xml.ts';
import type { RdsKind, RdsSnapshotRec } from '../state.ts';
import { dbKey, parseRdsArn, rdsArn } from '../stores/rds.ts';
import {
  decodeToken,
  encodeToken,
  invalidValue,
  optionalInt,
  required,
  type ActionDef,
  type Category,
  type Ctx,
} from './common.ts';
import { enforceDeny } from './enforce.ts';
import { NAMES, notFound, relation, render } from './rds.ts';

const DAY_MS = 86_400_000;
const RDS_ID = /^[A-Za-z][A-Za-z0-9-]{0,62}$/;

/** A snapshot A may use: its own by identifier, or any it can see by ARN. */
function usableSnapshot(ctx: Ctx, kind: RdsKind, ident: string, action: string): RdsSnapshotRec {
  const store = ctx.state.rds(kind);
  const arn = parseRdsArn(kind, ident);
  const resource = arn ? ident : rdsArn(kind, ctx.region, ctx.account.id, ident);
  enforceDeny(ctx, action, resource, {});
  const rec = arn ? store.find(arn.region, arn.owner, arn.id) : store.find(ctx.region, ctx.account.id, ident);
  if (!rec || rec.region !== ctx.region || relation(rec, ctx.account.id) === undefined)
    throw notFound(kind, ident);
  if (rec.status !== 'available') {
    throw new SimError(
      kind === 'db' ? 'InvalidDBSnapshotState' : 'InvalidDBClusterSnapshotStateFault',
      `The snapshot ${ident} is not available (${rec.status}).`,
    );
  }
  return rec;
}

function newIdentifier(ctx: Ctx, name: string): string {
  const id = required(ctx.params, name, 'query');
  if (!RDS_ID.test(id) || id.endsWith('-') || id.includes('--')) {
    throw invalidValue(`The parameter ${name} is not a valid identifier.`);
  }
  return id;
}

function restore(kind: RdsKind) {
  return (ctx: Ctx): string => {
    const p = ctx.params;
    const targetParam = kind === 'db' ? 'DBInstanceIdentifier' : 'DBClusterIdentifier';
    const target = newIdentifier(ctx, targetParam);
    const ident = required(p, kind === 'db' ? 'DBSnapshotIdentifier' : 'SnapshotIdentifier', 'query');
    const action = kind === 'db' ? 'rds:RestoreDBInstanceFromDBSnapshot' : 'rds:RestoreDBClusterFromSnapshot';
    const rec = usableSnapshot(ctx, kind, ident, action);
    const existing = ctx.state.dbRestored(kind);
    const d = {
      id: target,
      account: ctx.account.id,
      region: ctx.region,
      engine: p.get('Engine') ?? rec.engine,
      restoredFrom: rec.arn,
    };
    if (existing.has(dbKey(d))) {
      throw new SimError(
        kind === 'db' ? 'DBInstanceAlreadyExists' : 'DBClusterAlreadyExistsFault',
        `${targetParam} ${target} already exists.`,
      );
    }
    existing.set(dbKey(d), d);
    ctx.state.addRdsEvent({
      account: ctx.account.id,
      region: ctx.region,
      sourceId: target,
      sourceType: kind === 'db' ? 'db-instance' : 'db-cluster',
      message: `Restored from snapshot ${rec.arn}`,
      date: isoTime(ctx.now),
      eventCategories: ['restoration'],
    });
    const created = isoTime(ctx.now);
    if (kind === 'db') {
      return wrap(
        'DBInstance',
        el('DBInstanceIdentifier', target) +
          el('DBInstanceClass', p.get('DBInstanceClass') ?? 'db.t3.micro') +
          el('Engine', d.engine) +
          '<DBInstanceStatus>creating</DBInstanceStatus>' +
          el('InstanceCreateTime', created) +
          el('DBInstanceArn', `arn:aws:rds:${ctx.region}:${ctx.account.id}:db:${target}`),
      );
    }
    return wrap(
      'DBCluster',
      el('DBClusterIdentifier', target) +
        el('Engine', d.engine) +
        '<Status>creating</Status>' +
        el('ClusterCreateTime', created) +
        el('DBClusterArn', `arn:aws:rds:${ctx.region}:${ctx.account.id}:cluster:${target}`),
    );
  };
}

function copy(kind: RdsKind) {
  return (ctx: Ctx): string => {
    const n = NAMES[kind];
    const prefix = kind === 'db' ? 'DBSnapshot' : 'DBClusterSnapshot';
    const target = newIdentifier(ctx, `Target${prefix}Identifier`);
    const ident = required(ctx.params, `Source${prefix}Identifier`, 'query');
    const action = kind === 'db' ? 'rds:CopyDBSnapshot' : 'rds:CopyDBClusterSnapshot';
    const src = usableSnapshot(ctx, kind, ident, action);
    const store = ctx.state.rds(kind);
    if (store.find(ctx.region, ctx.account.id, target)) {
      throw new SimError(
        kind === 'db' ? 'DBSnapshotAlreadyExists' : 'DBClusterSnapshotAlreadyExistsFault',
        `${n.notFoundLabel} ${target} already exists.`,
      );
    }
    const rec = store.load({
      id: target,
      region: ctx.region,
      owner: ctx.account.id,
      engine: src.engine,
      createTime: isoTime(ctx.now),
      restore: [],
      ...(src.sourceIdentifier !== undefined && { sourceIdentifier: src.sourceIdentifier }),
      ...(src.encrypted !== undefined && { encrypted: src.encrypted }),
      ...(src.allocatedStorage !== undefined && { allocatedStorage: src.allocatedStorage }),
      sourceSnapshotArn: src.arn,
    });
    return render(kind, rec, 'own');
  };
}

const SOURCE_TYPES = new Set([
  'db-instance',
  'db-cluster',
  'db-snapshot',
  'db-cluster-snapshot',
  'db-parameter-group',
  'db-security-group',
  'db-proxy',
  'blue-green-deployment',
  'custom-engine-version',
]);

function time(ctx: Ctx, name: string): number | undefined {
  const v = ctx.params.get(name);
  if (v === undefined) return undefined;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw invalidValue(`Invalid value for ${name}: ${v}`);
  return ms;
}

function describeEvents(ctx: Ctx): string {
  const p = ctx.params;
  const sourceType = p.get('SourceType');
  if (sourceType !== undefined && !SOURCE_TYPES.has(sourceType))
    throw invalidValue(`Invalid SourceType: ${sourceType}`);
  const sourceId = p.get('SourceIdentifier');
  if (sourceId !== undefined && sourceType === undefined) {
    throw new SimError(
      'InvalidParameterCombination',
      'SourceType is required when SourceIdentifier is given.',
    );
  }
  const maxRecords = optionalInt(p, 'MaxRecords') ?? 100;
  if (maxRecords < 20 || maxRecords > 100) {
    throw invalidValue(`Invalid value ${maxRecords} for MaxRecords. Must be between 20 and 100`);
  }
  const duration = optionalInt(p, 'Duration');
  let end = time(ctx, 'EndTime') ?? ctx.now;
  let start = time(ctx, 'StartTime');
  if (start === undefined)
    start = end - (duration ?? 60) * 60_000; // last hour by default
  else if (duration !== undefined && time(ctx, 'EndTime') === undefined) end = start + duration * 60_000;
  start = Math.max(start, ctx.now - 14 * DAY_MS); // RDS keeps 14 days of events
  const categories = p.list('EventCategories.EventCategory');
  const rows = ctx.state.rdsEvents
    .filter(
      (e) =>
        e.account === ctx.account.id &&
        e.region === ctx.region &&
        e.dateMs >= start &&
        e.dateMs <= end &&
        (sourceType === undefined || (e.sourceType ?? 'db-instance') === sourceType) &&
        (sourceId === undefined || e.sourceId === sourceId) &&
        (!categories.length || (e.eventCategories ?? []).some((c) => categories.includes(c))),
    )
    .sort((a, b) => a.dateMs - b.dateMs);
  const after = decodeToken(p.get('Marker'), 'InvalidParameterValue');
  const from = after === undefined ? 0 : Number(after);
  const pageRows = rows.slice(from, from + maxRecords);
  const next = from + maxRecords < rows.length ? String(from + maxRecords) : undefined;
  return (
    memberList('Events', 'Event', pageRows, (e) => {
      const type = e.sourceType ?? 'db-instance';
      const arnKind: Record<string, string> = {
        'db-instance': 'db',
        'db-cluster': 'cluster',
        'db-snapshot': 'snapshot',
        'db-cluster-snapshot': 'cluster-snapshot',
      };
      return (
        el('SourceIdentifier', e.sourceId) +
        el('SourceType', type) +
        el('Message', e.message) +
        memberList('EventCategories', 'EventCategory', e.eventCategories ?? [], (c) => c) +
        el('Date', isoTime(e.dateMs)) +
        el('SourceArn', `arn:aws:rds:${e.region}:${e.account}:${arnKind[type] ?? type}:${e.sourceId}`)
      );
    }) + (next !== undefined ? el('Marker', encodeToken(next)) : '')
  );
}

const mutateCat = (): Category => 'mutate';
const describeCat = (): Category => 'describe';

export const RDS_USE_ACTIONS: Record<string, ActionDef> = {
  RestoreDBInstanceFromDBSnapshot: { run: restore('db'), category: mutateCat },
  RestoreDBClusterFromSnapshot: { run: restore('cluster'), category: mutateCat },
  CopyDBSnapshot: { run: copy('db'), category: mutateCat },
  CopyDBClusterSnapshot: { run: copy('cluster'), category: mutateCat },
  DescribeEvents: { run: describeEvents, category: describeCat },
};

import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BlockedOwner, BlockedResource, GuardScopeState } from '../../domain/guard.ts';
import { StoreError } from '../errors.ts';
import { keys } from '../table.ts';
import { toRecord, type TableClient } from './table-client.ts';

/** The guard's inputs: blocked resources (`GUARD#RESOURCE`) and blocked owners (`GUARD#OWNER`). */
export class DynamoGuard {
  constructor(private readonly t: TableClient) {}

  async putResource(e: BlockedResource): Promise<void> {
    await this.t.call('PutItem', () =>
      this.t.doc.send(
        new PutCommand({
          TableName: this.t.table,
          Item: { ...keys.blockedResource(e.accountId, e.findingId), type: 'blocked-resource', ...e },
        }),
      ),
    );
  }

  async deleteResource(findingId: string): Promise<boolean> {
    return this.t.write('DeleteItem', () =>
      this.t.doc.send(
        new DeleteCommand({
          TableName: this.t.table,
          Key: keys.blockedResource(accountOfFindingId(findingId), findingId),
          ConditionExpression: 'attribute_exists(PK)',
        }),
      ),
    );
  }

  async listResources(q: { accountId?: string } = {}): Promise<BlockedResource[]> {
    const items = await this.t.queryAll({
      KeyConditionExpression:
        q.accountId === undefined ? 'PK = :pk' : 'PK = :pk AND begins_with(SK, :account)',
      ExpressionAttributeValues: {
        ':pk': keys.blockedResourcePartition,
        ...(q.accountId === undefined ? {} : { ':account': `${q.accountId}#` }),
      },
      ConsistentRead: true,
    });
    return items.map((i) => toRecord<BlockedResource>(i));
  }

  async putOwner(e: BlockedOwner): Promise<boolean> {
    const out = await this.t.call('PutItem', () =>
      this.t.doc.send(
        new PutCommand({
          TableName: this.t.table,
          Item: { ...keys.blockedOwner(e.ownerAccountId), type: 'blocked-owner', ...e },
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    return !out.Attributes;
  }

  async getOwner(ownerAccountId: string): Promise<BlockedOwner | undefined> {
    const out = await this.t.call('GetItem', () =>
      this.t.doc.send(
        new GetCommand({
          TableName: this.t.table,
          Key: keys.blockedOwner(ownerAccountId),
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item ? toRecord<BlockedOwner>(out.Item) : undefined;
  }

  async deleteOwner(ownerAccountId: string): Promise<boolean> {
    return this.t.write('DeleteItem', () =>
      this.t.doc.send(
        new DeleteCommand({
          TableName: this.t.table,
          Key: keys.blockedOwner(ownerAccountId),
          ConditionExpression: 'attribute_exists(PK)',
        }),
      ),
    );
  }

  async listOwners(): Promise<BlockedOwner[]> {
    const items = await this.t.queryAll({
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.blockedOwnerPartition },
      ConsistentRead: true,
    });
    return items.map((i) => toRecord<BlockedOwner>(i));
  }
}

/**
 * The guard's convergence records: one revision counter (`GUARD#REVISION`, bumped after each change of
 * the desired state) and one small item per scope (`GUARD#SCOPE`). Nothing here grows with the number
 * of accounts: an organization of 2,000 accounts is 2,000 scope items of a few hundred bytes.
 */
export class DynamoGuardRevisions {
  constructor(private readonly t: TableClient) {}

  async bump(): Promise<number> {
    const out = await this.t.call('UpdateItem', () =>
      this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.table,
          Key: keys.guardRevision,
          UpdateExpression: 'ADD #rev :one SET #type = :type',
          ExpressionAttributeNames: { '#rev': 'revision', '#type': 'type' },
          ExpressionAttributeValues: { ':one': 1, ':type': 'guard-revision' },
          ReturnValues: 'UPDATED_NEW',
        }),
      ),
    );
    return Number(out.Attributes?.revision ?? 0);
  }

  async current(): Promise<number> {
    const out = await this.t.call('GetItem', () =>
      this.t.doc.send(
        new GetCommand({ TableName: this.t.table, Key: keys.guardRevision, ConsistentRead: true }),
      ),
    );
    return Number(out.Item?.revision ?? 0);
  }

  /** Raises the scope's `requested` to `generation` (never lowers it). */
  async request(scope: string, generation: number): Promise<void> {
    await this.t.write('UpdateItem', () =>
      this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.table,
          Key: keys.guardScope(scope),
          UpdateExpression: 'SET #requested = :g, #scope = :scope, #type = :type',
          ConditionExpression: 'attribute_not_exists(#requested) OR #requested < :g',
          ExpressionAttributeNames: { '#requested': 'requested', '#scope': 'scope', '#type': 'type' },
          ExpressionAttributeValues: { ':g': generation, ':scope': scope, ':type': 'guard-scope' },
        }),
      ),
    );
  }

  /** Records that the scope's policies were written from revision `revision` (never moves back). */
  async applied(scope: string, revision: number, at: string): Promise<void> {
    await this.t.write('UpdateItem', () =>
      this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.table,
          Key: keys.guardScope(scope),
          UpdateExpression:
            'SET #applied = :r, #appliedAt = :at, #scope = :scope, #type = :type REMOVE #lastError, #lastErrorAt',
          ConditionExpression: 'attribute_not_exists(#applied) OR #applied < :r',
          ExpressionAttributeNames: {
            '#applied': 'applied',
            '#appliedAt': 'appliedAt',
            '#scope': 'scope',
            '#type': 'type',
            '#lastError': 'lastError',
            '#lastErrorAt': 'lastErrorAt',
          },
          ExpressionAttributeValues: { ':r': revision, ':at': at, ':scope': scope, ':type': 'guard-scope' },
        }),
      ),
    );
  }

  /** `lastError` (bounded: AWS's words, cut) or `driftNotice`, on the scope's item. */
  async note(scope: string, patch: { lastError?: string; at?: string; driftNotice?: string }): Promise<void> {
    const names: Record<string, string> = { '#scope': 'scope', '#type': 'type' };
    const values: Record<string, unknown> = { ':scope': scope, ':type': 'guard-scope' };
    const sets = ['#scope = :scope', '#type = :type'];
    if (patch.lastError !== undefined) {
      names['#lastError'] = 'lastError';
      names['#lastErrorAt'] = 'lastErrorAt';
      values[':e'] = patch.lastError.slice(0, 1000);
      values[':at'] = patch.at ?? new Date().toISOString();
      sets.push('#lastError = :e', '#lastErrorAt = :at');
    }
    if (patch.driftNotice !== undefined) {
      names['#drift'] = 'driftNotice';
      values[':d'] = patch.driftNotice.slice(0, 1000);
      sets.push('#drift = :d');
    }
    await this.t.call('UpdateItem', () =>
      this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.table,
          Key: keys.guardScope(scope),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  async get(scope: string): Promise<GuardScopeState | undefined> {
    const out = await this.t.call('GetItem', () =>
      this.t.doc.send(
        new GetCommand({ TableName: this.t.table, Key: keys.guardScope(scope), ConsistentRead: true }),
      ),
    );
    return out.Item ? scopeOf(toRecord<GuardScopeState>(out.Item)) : undefined;
  }

  async list(): Promise<GuardScopeState[]> {
    const items = await this.t.queryAll({
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.guardScopePartition },
      ConsistentRead: true,
    });
    return items.map((i) => scopeOf(toRecord<GuardScopeState>(i)));
  }
}

function scopeOf(r: GuardScopeState): GuardScopeState {
  return { ...r, requested: Number(r.requested ?? 0), applied: Number(r.applied ?? 0) };
}

/** Finding ids are `kind:account:region:resourceId` (domain/finding.ts). */
function accountOfFindingId(findingId: string): string {
  const account = findingId.split(':')[1];
  if (!account || !/^\d{12}$/.test(account)) {
    throw new StoreError(`"${findingId}" is not a finding id (kind:account:region:resource)`);
  }
  return account;
}

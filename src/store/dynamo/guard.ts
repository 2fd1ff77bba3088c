import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { BlockedOwner, BlockedResource } from '../../domain/guard.ts';
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

/** Finding ids are `kind:account:region:resourceId` (domain/finding.ts). */
function accountOfFindingId(findingId: string): string {
  const account = findingId.split(':')[1];
  if (!account || !/^\d{12}$/.test(account)) {
    throw new StoreError(`"${findingId}" is not a finding id (kind:account:region:resource)`);
  }
  return account;
}

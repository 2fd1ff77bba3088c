import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { TrustEntry } from '../../domain/lifecycle.ts';
import { keys } from '../table.ts';
import { toRecord, type TableClient } from './table-client.ts';

/** The trust list (`TRUST` partition, one item per account). */
export class DynamoTrust {
  constructor(private readonly t: TableClient) {}

  async list(): Promise<TrustEntry[]> {
    const items = await this.t.queryAll({
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.trustPartition },
      ConsistentRead: true,
    });
    return items.map((i) => toRecord<TrustEntry>(i));
  }

  async get(accountId: string): Promise<TrustEntry | undefined> {
    const out = await this.t.call('GetItem', () =>
      this.t.doc.send(
        new GetCommand({ TableName: this.t.table, Key: keys.trust(accountId), ConsistentRead: true }),
      ),
    );
    return out.Item ? toRecord<TrustEntry>(out.Item) : undefined;
  }

  async put(entry: TrustEntry): Promise<boolean> {
    return this.t.write('PutItem', () =>
      this.t.doc.send(
        new PutCommand({
          TableName: this.t.table,
          Item: { ...keys.trust(entry.accountId), type: 'trust', ...entry },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
  }

  async delete(accountId: string): Promise<boolean> {
    return this.t.write('DeleteItem', () =>
      this.t.doc.send(
        new DeleteCommand({
          TableName: this.t.table,
          Key: keys.trust(accountId),
          ConditionExpression: 'attribute_exists(PK)',
        }),
      ),
    );
  }
}

import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { cmp } from '../../domain/finding.ts';
import type { DecisionIntent, IntentResult, OutboxEntry } from '../../domain/intent.ts';
import { GSI1, assertCanonicalTime, keys } from '../table.ts';
import { toRecord, type TableClient } from './table-client.ts';

/** Decision intents (`INTENT#<id>`, pending ones indexed on GSI1) and the outbox (`OUTBOX`). */
export class DynamoIntents {
  constructor(private readonly t: TableClient) {}

  async put(intent: DecisionIntent): Promise<boolean> {
    assertCanonicalTime(intent.at, 'DecisionIntent.at');
    const item = {
      ...keys.intent(intent.intentId),
      ...keys.intentGsi(intent.status, intent.at, intent.intentId),
      type: 'intent',
      ...intent,
    };
    const ok = await this.t.write('PutItem', () =>
      this.t.doc.send(
        new PutCommand({
          TableName: this.t.table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
    if (ok) return true;
    const current = await this.get(intent.intentId);
    return current !== undefined && current.at === intent.at && current.findingId === intent.findingId;
  }

  async get(intentId: string): Promise<DecisionIntent | undefined> {
    const out = await this.t.call('GetItem', () =>
      this.t.doc.send(
        new GetCommand({ TableName: this.t.table, Key: keys.intent(intentId), ConsistentRead: true }),
      ),
    );
    return out.Item ? toRecord<DecisionIntent>(out.Item) : undefined;
  }

  async listPending(): Promise<DecisionIntent[]> {
    const items = await this.t.queryAll({
      IndexName: GSI1,
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.intentIndex('pending') },
    });
    return items
      .map((i) => toRecord<DecisionIntent>(i))
      .sort((a, b) => cmp(a.at, b.at) || cmp(a.intentId, b.intentId));
  }

  async complete(intentId: string, result: IntentResult, completedAt: string): Promise<boolean> {
    const ok = await this.t.write('UpdateItem', () =>
      this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.table,
          Key: keys.intent(intentId),
          UpdateExpression: 'SET #status = :done, #result = :result, #completedAt = :at, GSI1PK = :gsi1pk',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#result': 'result',
            '#completedAt': 'completedAt',
          },
          ExpressionAttributeValues: {
            ':done': 'done',
            ':pending': 'pending',
            ':result': result,
            ':at': completedAt,
            ':gsi1pk': keys.intentIndex('done'),
          },
        }),
      ),
    );
    if (ok) return true;
    // An SDK retry of our own update that had landed.
    const current = await this.get(intentId);
    return current?.status === 'done' && current.completedAt === completedAt;
  }

  async noteFailure(intentId: string, error: string): Promise<void> {
    await this.t.write('UpdateItem', () =>
      this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.table,
          Key: keys.intent(intentId),
          UpdateExpression: 'SET #attempts = if_not_exists(#attempts, :zero) + :one, #lastError = :err',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: {
            '#attempts': 'attempts',
            '#lastError': 'lastError',
            '#status': 'status',
          },
          ExpressionAttributeValues: {
            ':zero': 0,
            ':one': 1,
            ':err': error.slice(0, 1000),
            ':pending': 'pending',
          },
        }),
      ),
    );
  }

  async putOutbox(e: OutboxEntry): Promise<void> {
    await this.t.call('PutItem', () =>
      this.t.doc.send(
        new PutCommand({ TableName: this.t.table, Item: { ...keys.outbox(e.key), type: 'outbox', ...e } }),
      ),
    );
  }

  async listOutbox(): Promise<OutboxEntry[]> {
    const items = await this.t.queryAll({
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.outboxPartition },
      ConsistentRead: true,
    });
    return items.map((i) => toRecord<OutboxEntry>(i));
  }

  async deleteOutbox(key: string): Promise<void> {
    await this.t.call('DeleteItem', () =>
      this.t.doc.send(new DeleteCommand({ TableName: this.t.table, Key: keys.outbox(key) })),
    );
  }
}

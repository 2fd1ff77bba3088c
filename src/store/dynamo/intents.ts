import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { cmp } from '../../domain/finding.ts';
import type { Actor } from '../../domain/lifecycle.ts';
import type {
  DecisionIntent,
  IntentExtras,
  IntentResult,
  IntentStatus,
  OutboxEntry,
} from '../../domain/intent.ts';
import type { IntentUpdate } from '../store.ts';
import { GSI1, assertCanonicalTime, keys } from '../table.ts';
import { toRecord, type Item, type TableClient } from './table-client.ts';

/**
 * The same click delivered again (a Socket Mode redelivery, a second replica): the intent id is derived
 * from the click (core/intents.ts), so the copy finds its own intent already there.
 */
const sameClick = (a: DecisionIntent, b: DecisionIntent) =>
  a.findingId === b.findingId && a.action === b.action && a.by.userId === b.by.userId;

/** Decision intents (`INTENT#<id>`, indexed by status on GSI1) and the outbox (`OUTBOX`). */
export class DynamoIntents {
  constructor(private readonly t: TableClient) {}

  /**
   * A caller inside Slack's 3 s bounds this (the write and the read after a failed condition) with
   * `withStoreDeadline` (../deadline.ts): past it, a StoreTimeoutError.
   */
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
    // An SDK retry of our own write that landed, or the same click delivered twice.
    return current !== undefined && current.status !== 'void' && sameClick(current, intent);
  }

  async get(intentId: string): Promise<DecisionIntent | undefined> {
    const out = await this.t.call('GetItem', () =>
      this.t.doc.send(
        new GetCommand({ TableName: this.t.table, Key: keys.intent(intentId), ConsistentRead: true }),
      ),
    );
    return out.Item ? toRecord<DecisionIntent>(out.Item) : undefined;
  }

  /** Intents in one status, oldest first (GSI1: re-read the item before acting). */
  async list(status: IntentStatus): Promise<DecisionIntent[]> {
    const items = await this.t.queryAll({
      IndexName: GSI1,
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.intentIndex(status) },
    });
    return items
      .map((i) => toRecord<DecisionIntent>(i))
      .sort((a, b) => cmp(a.at, b.at) || cmp(a.intentId, b.intentId));
  }

  /**
   * A write that missed its deadline must never be carried out (its clicker was told "not recorded"):
   * the intent becomes `void` if it landed and nobody claimed it, and a tombstone if it has not landed
   * yet (its late `put` then fails its condition). False when it was already claimed or finished.
   */
  async void(intentId: string, at: string): Promise<boolean> {
    return this.t.write('UpdateItem', () =>
      this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.table,
          Key: keys.intent(intentId),
          UpdateExpression: 'SET #status = :void, GSI1PK = :pk',
          ConditionExpression:
            'attribute_not_exists(PK) OR #status = :void OR (#status = :pending AND #at = :at AND attribute_not_exists(#claim))',
          // `at` is this delivery's: the same click delivered again (and written in time) is not voided.
          ExpressionAttributeNames: { '#status': 'status', '#claim': 'claim', '#at': 'at' },
          ExpressionAttributeValues: {
            ':at': at,
            ':void': 'void',
            ':pending': 'pending',
            ':pk': keys.intentIndex('void'),
          },
        }),
      ),
    );
  }

  /**
   * Takes the lease on a pending intent for `holder` (one conditional write): nobody holds it, the
   * holder's lease expired (`expiresAt < now`), or `holder` holds it already. Only the holder calls AWS.
   */
  async claim(intentId: string, holder: string, leaseMs: number, now: number): Promise<boolean> {
    return this.t.write('UpdateItem', () =>
      this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.table,
          Key: keys.intent(intentId),
          UpdateExpression: 'SET #claim = :claim',
          ConditionExpression:
            '#status = :pending AND (attribute_not_exists(#claim) OR #claim.#exp < :now OR #claim.#holder = :me)',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#claim': 'claim',
            '#exp': 'expiresAt',
            '#holder': 'holder',
          },
          ExpressionAttributeValues: {
            ':pending': 'pending',
            ':claim': { holder, expiresAt: now + leaseMs },
            ':now': now,
            ':me': holder,
          },
        }),
      ),
    );
  }

  /**
   * A second approver's Confirm: `awaiting` → `pending` with the confirmer, in one conditional write —
   * still awaiting, not lapsed, and not the requester's own.
   */
  async confirm(intentId: string, extras: IntentExtras, by: Actor, now: string): Promise<IntentUpdate> {
    return this.move(intentId, {
      UpdateExpression: 'SET #status = :pending, GSI1PK = :pk, #extras = :extras',
      ConditionExpression: '#status = :awaiting AND #approval.#exp > :now AND #by.#uid <> :confirmer',
      ExpressionAttributeNames: {
        '#status': 'status',
        '#extras': 'extras',
        '#approval': 'approval',
        '#exp': 'expiresAt',
        '#by': 'by',
        '#uid': 'userId',
      },
      ExpressionAttributeValues: {
        ':pending': 'pending',
        ':awaiting': 'awaiting',
        ':pk': keys.intentIndex('pending'),
        ':extras': { ...extras, confirmedBy: by },
        ':now': now,
        ':confirmer': by.userId,
      },
    });
  }

  /** Reject: `awaiting` → `pending` with `rejectedBy` (the runner takes the request off the finding). */
  async reject(intentId: string, by: Actor): Promise<IntentUpdate> {
    return this.move(intentId, {
      UpdateExpression: 'SET #status = :pending, GSI1PK = :pk, #rejectedBy = :by',
      ConditionExpression: '#status = :awaiting',
      ExpressionAttributeNames: { '#status': 'status', '#rejectedBy': 'rejectedBy' },
      ExpressionAttributeValues: {
        ':pending': 'pending',
        ':awaiting': 'awaiting',
        ':pk': keys.intentIndex('pending'),
        ':by': by,
      },
    });
  }

  private async move(
    intentId: string,
    update: Pick<
      ConstructorParameters<typeof UpdateCommand>[0],
      'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
  ): Promise<IntentUpdate> {
    let attributes: Item | undefined;
    const ok = await this.t.write('UpdateItem', async () => {
      const out = await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.table,
          Key: keys.intent(intentId),
          ...update,
          ReturnValues: 'ALL_NEW',
        }),
      );
      attributes = out.Attributes;
    });
    if (ok && attributes) return { ok: true, intent: toRecord<DecisionIntent>(attributes) };
    const current = await this.get(intentId);
    return current ? { ok: false, current } : { ok: false };
  }

  /** `from` (pending, or a lapsed request's awaiting) → done with its result; false when it was not in `from`. */
  async complete(
    intentId: string,
    result: IntentResult,
    completedAt: string,
    from: 'pending' | 'awaiting' = 'pending',
  ): Promise<boolean> {
    const ok = await this.t.write('UpdateItem', () =>
      this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.table,
          Key: keys.intent(intentId),
          UpdateExpression:
            'SET #status = :done, #result = :result, #completedAt = :at, GSI1PK = :gsi1pk REMOVE #claim',
          ConditionExpression: '#status = :from',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#result': 'result',
            '#completedAt': 'completedAt',
            '#claim': 'claim',
          },
          ExpressionAttributeValues: {
            ':done': 'done',
            ':from': from,
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
          // The claim goes too: the reconciler (of this replica or another) may run it again at once.
          UpdateExpression:
            'SET #attempts = if_not_exists(#attempts, :zero) + :one, #lastError = :err REMOVE #claim',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: {
            '#attempts': 'attempts',
            '#lastError': 'lastError',
            '#status': 'status',
            '#claim': 'claim',
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
